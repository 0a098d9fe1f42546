/**
 * The command families, registered here and nowhere else: each brings its commands and
 * its per-modem state (features, defined in features.ts). Find a command by its family's
 * file or folder name.
 *
 * A family's module loads on the first use of one of its commands (a `require()` inside
 * `load`, which the bundle turns into a module initialised on that call), so a start
 * runs none of their bodies before its ready line (docs/architecture.md, start-up). The
 * table therefore lists each family's command names (and aliases) here; the family's
 * module must define exactly those, which a test holds and loading checks. Adding a
 * family is one entry in FAMILIES (its names and its `load`), and its features in
 * features.ts.
 */
import type { CommandTable } from '../at/command';
import type { FeatureRegistry } from '../modem/feature';
import type { Modem } from '../modem/modem';
import type { Command, Family } from './family';
import { FEATURES } from './features';

/** A family as the table knows it before its module is loaded. */
export interface FamilyEntry {
  /** The family's name (Family.name). */
  name: string;
  /** Every command name and alias it defines, as its module does. */
  commands: readonly string[];
  /** Loads the family's module (once: Node's and the bundle's module caches keep it). */
  load(): Family;
}

export const FAMILIES: readonly FamilyEntry[] = [
  {
    name: 'basic',
    commands: ['E', 'V', 'Q', 'X', '&C', '&D', 'Z', '&F', '&W', 'I', 'S', '+CMEE', '+IPR'],
    load: () => (require('./basic') as typeof import('./basic')).basic,
  },
  {
    name: 'identity',
    commands: ['+CGMI', '+GMI', '+CGMM', '+GMM', '+CGMR', '+GMR', '+CGSN', '+GSN', '+GOI', '+GSV', '+CIMI', '+CCID', '+CSPN', '+CNUM', '+CSMINS'],
    load: () => (require('./identity') as typeof import('./identity')).identity,
  },
  {
    name: 'network',
    commands: ['+CFUN', '+CPIN', '+CSQ', '+CREG', '+CGREG', '+CGATT', '+COPS', '+COPN', '+CBC', '+CSCLK', '+CIURC'],
    load: () => (require('./network') as typeof import('./network')).network,
  },
  {
    name: 'device',
    commands: ['+CMTE', '+CDEVICE'],
    load: () => (require('./device') as typeof import('./device')).device,
  },
  {
    name: 'clock',
    commands: ['+CCLK', '+CLTS'],
    load: () => (require('./clock') as typeof import('./clock')).clock,
  },
  {
    name: 'bearer',
    commands: ['+SAPBR'],
    load: () => (require('./bearer') as typeof import('./bearer')).bearer,
  },
  {
    name: 'mqtt',
    commands: ['+SMCONF', '+SMSSL', '+SMCONN', '+SMSUB', '+SMUNSUB', '+SMPUB', '+SMSTATE', '+SMDISC'],
    load: () => (require('./mqtt') as typeof import('./mqtt')).mqtt,
  },
  {
    name: 'azure',
    commands: ['+SAZURECONF'],
    load: () => (require('./azure') as typeof import('./azure')).azure,
  },
  {
    name: 'tcpip',
    commands: ['+CIPSHUT', '+CSTT', '+CIICR', '+CIFSR', '+CIPSTATUS', '+CIPMUX', '+CIPSTART', '+CIPSEND', '+CIPQSEND', '+CIPRXGET', '+CIPCLOSE', '+CIPACK', '+CIPSSL', '+CIPHEAD', '+CIPSRIP', '+CIPSHOWTP', '+CIPSPRT', '+CIPMODE', '+CIPCCFG', '+CIPATS', '+CIPTKA', '+CIPSERVER', 'O', '+CDNSCFG', '+CGDCONT', '+CGACT', '+CDNSGIP', '+CIPPING', '+CNTPCID', '+CNTP', '+CIPGSMLOC'],
    load: () => (require('./tcpip') as typeof import('./tcpip')).tcpip,
  },
  {
    name: 'compat',
    commands: ['+CBATCHK', '+CVHU', '+CNETLIGHT', '+CSGS', '+IFC', '+ICF', '+CPOWD'],
    load: () => (require('./compat') as typeof import('./compat')).compat,
  },
  {
    name: 'fs',
    commands: ['+FSCREATE', '+FSWRITE', '+FSREAD', '+FSDEL', '+FSRENAME', '+FSFLSIZE', '+FSLS', '+FSMKDIR', '+FSRMDIR', '+FSMEM', '+FSDRIVE', '+FSHEX'],
    load: () => (require('./fs') as typeof import('./fs')).fs,
  },
  {
    name: 'ssl',
    commands: ['+SSLSETROOT', '+SSLOPT', '+SSLSETCERT'],
    load: () => (require('./ssl') as typeof import('./ssl')).ssl,
  },
  {
    name: 'http',
    commands: ['+HTTPINIT', '+HTTPTERM', '+HTTPPARA', '+HTTPDATA', '+HTTPACTION', '+HTTPREAD', '+HTTPHEAD', '+HTTPSTATUS', '+HTTPSSL', '+HTTPSCONT'],
    load: () => (require('./http') as typeof import('./http')).http,
  },
  {
    name: 'sms',
    commands: ['+CMGF', '+CSCS', '+CSDH', '+CMGHEX', '+SCLASS0', '+CSMP', '+CSCA', '+CNMI', '+CPMS', '+CSAS', '+CRES', '+CMGR', '+CMGL', '+CMGD', '+CMGDA', '+CMGS', '+CMGW', '+CMSS'],
    load: () => (require('./sms') as typeof import('./sms')).smsFamily,
  },
  {
    name: 'call',
    commands: ['A', 'D', 'H', '+CHUP', '+HVOIC', '+CLCC', '+CLIP', '+COLP', '+CRC', '+GSMBUSY', '+MORING', '+CPAS', '+VTD', '+VTS', '+CUSD'],
    load: () => (require('./call') as typeof import('./call')).callFamily,
  },
];

const loaded = new Set<string>();

/** The families this process has loaded through a command table so far, in FAMILIES order. */
export function loadedFamilies(): string[] {
  return FAMILIES.filter((f) => loaded.has(f.name)).map((f) => f.name);
}

/** The names (and aliases) a loaded family defines, in its order. */
export function commandNames(family: Family): string[] {
  return family.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}

/**
 * The command table over the families' names: a name's family is loaded when the name is
 * first looked up, and its definitions are kept from then on. Names no family has load nothing.
 */
class LazyCommandTable implements CommandTable<Modem> {
  private readonly owners = new Map<string, FamilyEntry>();
  private readonly defs = new Map<string, Command>();

  constructor(families: readonly FamilyEntry[]) {
    for (const family of families) {
      for (const name of family.commands) {
        if (this.owners.has(name)) throw new Error(`command ${name} registered twice`);
        this.owners.set(name, family);
      }
    }
  }

  get(name: string): Command | undefined {
    const def = this.defs.get(name);
    if (def !== undefined) return def;
    const entry = this.owners.get(name);
    if (entry === undefined) return undefined;
    this.add(entry);
    return this.defs.get(name);
  }

  private add(entry: FamilyEntry): void {
    const family = entry.load();
    const names = commandNames(family);
    if (names.length !== entry.commands.length || names.some((n) => this.owners.get(n) !== entry)) {
      throw new Error(`family ${entry.name} defines ${names.join(' ')} but src/commands/index.ts lists ${entry.commands.join(' ')}`);
    }
    for (const def of family.commands) for (const name of [def.name, ...(def.aliases ?? [])]) this.defs.set(name, def);
    loaded.add(entry.name);
  }
}

/** What every modem of an emulator shares: the command table and the features it registers. */
export interface Catalog {
  table: CommandTable<Modem>;
  features: FeatureRegistry<Modem>;
}

export function createCatalog(families: readonly FamilyEntry[] = FAMILIES): Catalog {
  return { table: new LazyCommandTable(families), features: FEATURES };
}

export function createCommandTable(): CommandTable<Modem> {
  return createCatalog().table;
}

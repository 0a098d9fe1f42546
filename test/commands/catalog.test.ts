/**
 * The command table knows each family's command names before loading it (families load
 * on the first use of one of their commands: src/commands/index.ts). These hold the lists
 * in FAMILIES to what each family's module defines.
 */
import { commandNames, createCatalog, FAMILIES } from '../../src/commands';
import { FEATURES } from '../../src/commands/features';

describe('the command catalog', () => {
  it.each(FAMILIES.map((f) => [f.name, f] as const))('FAMILIES lists exactly the names family %s defines, in its order', (name, entry) => {
    const family = entry.load();
    expect(family.name).toBe(name);
    expect(commandNames(family)).toEqual(entry.commands);
  });

  it('FEATURES holds each feature once, under a name of its own', () => {
    expect(new Set(FEATURES).size).toBe(FEATURES.length);
    expect(new Set(FEATURES.map((f) => f.name)).size).toBe(FEATURES.length);
  });

  it('a name is answered by its family, and a name no family has is undefined without loading one', () => {
    const loads: string[] = [];
    const families = FAMILIES.map((f) => ({ ...f, load: () => (loads.push(f.name), f.load()) }));
    const { table } = createCatalog(families);
    expect(table.get('+NOSUCH')).toBeUndefined();
    expect(loads).toEqual([]);
    expect(table.get('+GSN')?.name).toBe('+CGSN');
    expect(table.get('+CGMI')?.name).toBe('+CGMI');
    expect(loads).toEqual(['identity']);
  });

  it('a family whose module defines other names than its entry lists fails loudly, and a name listed twice at once', () => {
    const entry = { name: 'x', commands: ['+XA'], load: () => ({ name: 'x', commands: [{ name: '+XA' }, { name: '+XB' }] }) };
    expect(() => createCatalog([entry]).table.get('+XA')).toThrow('family x defines +XA +XB but src/commands/index.ts lists +XA');
    expect(() => createCatalog([entry, { ...entry, name: 'y' }])).toThrow('command +XA registered twice');
  });
});

/**
 * Per-modem state of a command family (its MQTT session, its sockets, its files), as one
 * typed plug-in shape: a family defines a feature, registers it with its commands, and
 * reaches its state with `modem.feature(f)`. The modem creates a feature's state on first
 * use and tells every state it created about its lifecycle through the hooks below, in
 * registration order, so that no family listens to modem events of its own.
 */

/** Where a transition's notices go: URCs, or information lines of the running command. */
export type Notice = (line: string) => void;

/** What the modem tells a family's state; every hook is optional. */
export interface FeatureHooks {
  /** The module is gone (power down, restart, reboot): back to power-up state, silently. */
  reset?(): void;
  /** A SAPBR bearer went down (closed by the DTE, dropped by the network, radio off). */
  bearerDown?(cid: number): void;
  /**
   * Every PDP context goes down (detach, radio off). A family with contexts of its own
   * deactivates them, prints what the module prints through `notice`, and sets
   * `report.active` when one was active so that the modem shows one `+PDP: DEACT`.
   */
  pdpDown?(report: { active: boolean }, notice: Notice): void;
  /**
   * The network deactivated context `cid` (0: every one) without a detach (the bearerDrop
   * fault). As pdpDown, for that context only; the SAPBR bearer on it went down already.
   */
  contextDown?(cid: number, report: { active: boolean }, notice: Notice): void;
  /** Registered with SIM and radio ready (`SMS Ready` is out): the network can reach the module again. */
  networkReady?(): void;
  /** The family's state for the control API's `GET /state` (secrets masked); omitted when undefined. */
  snapshot?(): unknown;
}

/**
 * A family's per-modem state: its name (the key in `GET /state`) and how to make it for a
 * modem. The state is any object; the hooks it has (FeatureHooks) are called.
 */
export interface Feature<T extends object, M> {
  readonly name: string;
  create(modem: M): T;
}

/** The features every modem of an emulator knows, in registration order. */
export type FeatureRegistry<M> = readonly Feature<object, M>[];

/** The states one modem has created so far, keyed by feature. */
export class FeatureStates<M> {
  private readonly states = new Map<Feature<object, M>, FeatureHooks>();

  constructor(
    private readonly owner: M,
    private readonly registry: FeatureRegistry<M>,
  ) {}

  get<T extends object>(feature: Feature<T, M>): T {
    let s = this.states.get(feature);
    if (s === undefined) {
      if (!this.registry.includes(feature)) throw new Error(`feature ${feature.name} is not registered: add it to FEATURES in src/commands/features.ts`);
      s = feature.create(this.owner);
      this.states.set(feature, s);
    }
    return s as T;
  }

  /** Calls fn for every state created so far, in registration order. */
  each(fn: (state: FeatureHooks, feature: Feature<object, M>) => void): void {
    if (this.states.size === 0) return;
    for (const feature of this.registry) {
      const state = this.states.get(feature);
      if (state !== undefined) fn(state, feature);
    }
  }
}

/**
 * Timing profiles: every delay the modem shows comes from one of these objects.
 * `instant` answers as fast as possible (tests, CI); `realistic` follows figures
 * measured on real modules (AT-REFERENCE §3.1, §5: SAPBR=1,1 ≈ 1.3 s; T#184).
 */
export interface TimingProfile {
  name: string;
  /** From power-on to RDY. */
  bootMs: number;
  /** From RDY to +CPIN: READY. */
  simReadyMs: number;
  /** From SIM ready to network registration (then Call Ready, SMS Ready, NITZ). */
  registerMs: number;
  /** AT+CFUN=1,1 or a reboot: OK, then the module is gone this long before booting. */
  restartMs: number;
  /** AT+SAPBR=1,1 until the PDP context is up. */
  bearerOpenMs: number;
  bearerCloseMs: number;
  /** Extra delay added to the MQTT broker's own round trips (connect, acks). */
  mqttConnectMs: number;
}

export const PROFILES: Readonly<Record<string, TimingProfile>> = {
  instant: {
    name: 'instant',
    bootMs: 0,
    simReadyMs: 0,
    registerMs: 0,
    restartMs: 0,
    bearerOpenMs: 0,
    bearerCloseMs: 0,
    mqttConnectMs: 0,
  },
  realistic: {
    name: 'realistic',
    bootMs: 1500,
    simReadyMs: 800,
    registerMs: 3000,
    restartMs: 500,
    bearerOpenMs: 1280,
    bearerCloseMs: 300,
    mqttConnectMs: 1500,
  },
};

export function resolveProfile(name: string): TimingProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown timing profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return p;
}

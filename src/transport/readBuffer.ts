/**
 * The one buffer every DTE socket and pty master of the process reads into (the `onread`
 * option of net.Socket): a read then makes no Buffer, no backing store and no stream
 * chunk, which was two thirds of what the heap took per `AT` round trip (bench/README.md,
 * benchmark 10). What a read brings is lent to its reader for the call (Modem.receive with
 * `lent`; AtEngine.receive copies what it keeps). Reads run one at a time on the event
 * loop, so one buffer serves every wire.
 */
export const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Views of READ_BUFFER by length, each made once: a read of n bytes lends the same view
 * every time (a Buffer made per read was a seventh of an `AT` round trip's garbage).
 * Command lines are short; a longer read gets a view of its own.
 */
const VIEWS_MAX = 256;
const views: Buffer[] = [];

/** The first n bytes of READ_BUFFER. */
export const readView = (n: number): Buffer => (n > VIEWS_MAX ? READ_BUFFER.subarray(0, n) : (views[n] ??= READ_BUFFER.subarray(0, n)));

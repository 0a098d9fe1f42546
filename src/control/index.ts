/** The control API: the facade the library handle exposes, and its HTTP server. */
export { Control, type ModemState, type PowerAction } from './control';
export { ControlServer, isLoopback } from './http';
export { AtLog, type AtLogEntry } from './atLog';
export { Cloud, topicMatches, type CloudMessage } from './cloud';
export { checkC2d, type C2dMessage } from './c2d';

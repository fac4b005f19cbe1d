/**
 * Session options shared by every onnxruntime session here: intra-op threads sleep when idle
 * instead of spinning. By default each session's threads spin after every run waiting for the
 * next, which burned ~25% more CPU for the same GEMMs here (400 200×200 products: 254–274 vs
 * 202–212 ms of CPU, wall unchanged) — CPU taken from the event loop, the other fits and the
 * other processes on a small machine. (Session config key from onnxruntime's
 * onnxruntime_session_options_config_keys.h; the Node binding takes flat string values.)
 */
export const NO_SPINNING = { 'session.intra_op.allow_spinning': '0' } as const;

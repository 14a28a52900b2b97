/// BreakoutDomain owns the rules of breakout rooms: who may do what, in which breakout status,
/// and with which effects. It decides; it never reads or writes anything. The store loads the
/// facts a rule needs under the meeting's lock, asks this module, and writes what it returns.
///
/// It must not touch I/O, clocks (callers pass `now`), randomness or any other module.
public enum BreakoutDomain {}

/// BreakoutStore owns everything PostgreSQL: the migrations in `sql/`, each command as one
/// transaction that locks the meeting row, asks `BreakoutDomain` for the decision, writes the
/// changes and appends the events; and the snapshots that readers see.
///
/// It must not know about HTTP: it speaks in domain errors and JSON values, never in requests,
/// responses or status codes of its own.
public enum BreakoutStore {}

-- Two more ways to create rooms (docs/rules.md, rule 1): `rotate` (rooms that split up pairs who
-- already shared a room in this meeting) and `keep` (the previous breakout's groups again). The
-- mode is stored as asked, so the column's check widens to take them.
ALTER TABLE breakouts DROP CONSTRAINT breakouts_mode_check;
ALTER TABLE breakouts ADD CONSTRAINT breakouts_mode_check
    CHECK (mode IN ('automatic', 'manual', 'self_select', 'preassigned', 'rotate', 'keep'));

-- Evidence is forks only, each with the checkpoint the witness had cosigned
-- that it contradicts. `fingerprint` names the contradicting checkpoint, so
-- the same fork shown again is kept once. Rows from before this migration
-- (which could hold a client's wrong proof) keep a fingerprint of their own
-- and no cosigned note.
ALTER TABLE evidence ADD COLUMN cosigned TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
UPDATE evidence SET fingerprint = 'before-0003-' || id;
CREATE UNIQUE INDEX evidence_once ON evidence (origin, fingerprint);

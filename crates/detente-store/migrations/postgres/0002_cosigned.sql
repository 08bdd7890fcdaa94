-- Per witness (its verifier key), the size of the latest checkpoint of this
-- log it cosigned: where the next add-checkpoint request starts from.
CREATE TABLE cosigned (
    witness TEXT PRIMARY KEY,
    size BIGINT NOT NULL CHECK (size >= 0)
);

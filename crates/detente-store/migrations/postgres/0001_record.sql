-- The record: one party's log (entries and the stored hashes of its tree),
-- its latest signed checkpoint, and, when the store serves a witness, the
-- latest checkpoint cosigned per log and the evidence of inconsistent ones.

CREATE TABLE log_meta (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    party TEXT NOT NULL,
    verifier_key TEXT NOT NULL
);

-- The tree size moves only by compare-and-swap, in the same transaction as
-- the rows it counts.
CREATE TABLE tree_size (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL CHECK (size >= 0)
);
INSERT INTO tree_size (id, size) VALUES (1, 0);

-- Entries in C2SP tlog-tiles entry bundles: bundle N holds entries
-- [256N, 256N + 256), each a big-endian u16 length and its bytes. Only the
-- last bundle is partial; appends extend it in place.
CREATE TABLE entry_bundles (
    bundle BIGINT PRIMARY KEY,
    data BYTEA NOT NULL
);

-- RFC 6962 hashes in Go tlog's stored-hash order (2n - popcount(n) for n
-- entries), 64 to a page: page N holds stored hashes [64N, 64N + 64).
CREATE TABLE hash_pages (
    page BIGINT PRIMARY KEY,
    data BYTEA NOT NULL CHECK (length(data) % 32 = 0 AND length(data) BETWEEN 32 AND 2048)
);

CREATE TABLE latest_checkpoint (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    note TEXT NOT NULL
);

CREATE TABLE witnessed (
    origin TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    root BYTEA NOT NULL CHECK (length(root) = 32),
    note TEXT NOT NULL
);

CREATE TABLE evidence (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin TEXT NOT NULL,
    received BIGINT NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL
);

-- Documents recorded by digest (a full declaration is larger than an entry
-- may be): the bytes behind each SHA-256 an entry names, so that a node can
-- read back, and send peers, what its record commits to. A changed row is
-- caught by its digest when read.
CREATE TABLE documents (
    digest BLOB PRIMARY KEY,
    data BLOB NOT NULL
);

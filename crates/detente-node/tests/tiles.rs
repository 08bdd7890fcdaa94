//! The record served as C2SP tlog-tiles, read by a client nobody here
//! wrote: Cloudflare's `tlog_tiles` (a port of Go's sumdb/tlog) fetches the
//! node's tiles through its `TileHashReader`, which checks every tile
//! against the checkpoint's root, and proves entries from them. sumdb's
//! tile paths carry the height (`tile/8/L/N`) where C2SP's do not
//! (`tile/L/N`), so the reader here adapts the path and nothing else.

mod common;

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;

use common::*;
use detente_log::checkpoint::SignedCheckpoint;
use detente_log::entry::{Body, Content, Entry};
use detente_log::tree;
use detente_store::record::Record;
use detente_store::signer::Signer;
use detente_store::sqlite::SqliteStore;
use tlog_tiles::{HashReader as _, Tile, TileHashReader, TileReader, tlog};

const ENTRIES: u64 = 600;

/// One blocking GET: the status and the body's bytes.
fn get(address: SocketAddr, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    (status, response[split + 4..].to_vec())
}

/// The node's tiles, as `tlog_tiles` asks for them.
struct Tiles(SocketAddr);

impl TileReader for Tiles {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        let fetch = |tile: &Tile| {
            let path = tile.path().replacen("tile/8/", "tile/", 1);
            let (status, body) = get(self.0, &format!("/{path}"), None);
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
            body
        };
        Ok(tiles.iter().map(fetch).collect())
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiles_client_nobody_here_wrote_reads_and_verifies_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("us.db")).await.unwrap();
    // More than two full tiles of entries, so the client needs full and
    // partial tiles of level 0 and a partial tile of level 1.
    let record = Record::init(store.clone(), key().verifier(), "US".parse().unwrap()).await.unwrap();
    let entries: Vec<_> = (0..ENTRIES)
        .map(|sequence| {
            let entry = Entry {
                party: "US".parse().unwrap(),
                sequence,
                time: NOW,
                body: Body::Concern { treaty: "new-start".into(), about: None },
                content: Content::of("text/plain", format!("concern {sequence}").into_bytes()),
            };
            entry.sign(&key()).unwrap()
        })
        .collect();
    record.append(&entries).await.unwrap();
    record.checkpoint(&Signer::new(key(), dir.path().join("us.key.signed"))).await.unwrap();
    let server = serve(start_node(store, dir.path(), Vec::new()).await.unwrap()).await;
    let address = server.address;

    let checked = tokio::task::spawn_blocking(move || {
        let (status, note) = get(address, "/checkpoint", None);
        assert_eq!(status, 200, "the checkpoint is public");
        let checkpoint = SignedCheckpoint::open(std::str::from_utf8(&note).unwrap(), key().verifier(), &[]).unwrap();
        let (size, root) = (checkpoint.checkpoint.size, checkpoint.checkpoint.root);
        assert_eq!(size, ENTRIES);
        let theirs = tlog_tiles::Checkpoint::from_bytes(checkpoint.note.text().as_bytes()).unwrap();
        assert_eq!((theirs.size(), theirs.hash().0), (size, root.0), "tlog_tiles reads the same checkpoint");

        let tiles = Tiles(address);
        let reader = TileHashReader::new(size, tlog::Hash(root.0), &tiles);
        assert_eq!(tlog::tree_hash(size, &reader).unwrap().0, root.0, "the tiles give the checkpoint's root");
        for index in [0, 255, 256, 300, ENTRIES - 1] {
            let proof = tlog::prove_record(size, index, &reader).unwrap();
            let leaf = reader.read_hashes(&[tlog::stored_hash_index(0, index)]).unwrap()[0];
            tlog::check_record(&proof, size, tlog::Hash(root.0), index, leaf).unwrap();
            let ours: Vec<_> = proof.iter().map(|h| detente_log::Hash(h.0)).collect();
            tree::verify_inclusion(index, size, &detente_log::Hash(leaf.0), &ours, &root).unwrap();
        }

        // The entries themselves need a token; each hashes to its leaf.
        let (status, _) = get(address, "/tile/entries/001.p/88", None);
        assert_eq!(status, 401, "entry bundles are not public");
        let (status, bundle) = get(address, "/tile/entries/001.p/88", Some(OBSERVER));
        assert_eq!(status, 200);
        let mut rest = &bundle[..];
        for index in 256..256 + 88 {
            let length = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let entry = &rest[2..2 + length];
            rest = &rest[2 + length..];
            let leaf = reader.read_hashes(&[tlog::stored_hash_index(0, index)]).unwrap()[0];
            assert_eq!(tlog::record_hash(entry), leaf, "entry {index}");
        }
        assert!(rest.is_empty());
        for (path, expected) in [
            ("/tile/0/002", 404),
            ("/tile/0/002.p/89", 404),
            ("/tile/1/000", 404),
            ("/tile/0/2", 400),
            ("/tile/9/000", 400),
            ("/tile/entries/002.p/89", 404),
        ] {
            assert_eq!(get(address, path, Some(OBSERVER)).0, expected, "{path}");
        }
    });
    checked.await.unwrap();
    server.stop().await;
}

//! The record served as C2SP tlog-tiles: `GET /checkpoint` and the hash
//! tiles are public, so anyone can check that the node shows everyone one
//! tree; the entry bundles need a token, since an entry carries what only
//! the treaty's parties and observers may see. Every tile is of the tree
//! of the latest checkpoint, which the store keeps complete, so a tile is
//! served at once or not at all (404).

use detente_log::tiles::TilePath;

use super::*;

/// The latest checkpoint, with the cosignatures the record holds.
#[utoipa::path(get, path = "/checkpoint", responses(
    (status = 200, description = "The latest signed checkpoint (C2SP checkpoint, a signed note)", content_type = "text/plain"),
    (status = 404, description = "No checkpoint yet")))]
pub(super) async fn checkpoint<S: LogStore>(State(node): State<Arc<Node<S>>>) -> Answer {
    let latest = node.record.latest().await.map_err(internal)?;
    let latest = latest.ok_or_else(|| refusal(StatusCode::NOT_FOUND, None, "the record has no checkpoint yet"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], latest.note.to_string()).into_response())
}

/// A hash tile (public) or an entry bundle (with a token).
#[utoipa::path(get, path = "/tile/{path}", params(
        ("path" = String, Path, description = "LEVEL/INDEX[.p/WIDTH] for a hash tile, entries/INDEX[.p/WIDTH] for an entry bundle (C2SP tlog-tiles)")),
    responses(
        (status = 200, description = "The tile's hashes, 32 bytes each, or the bundle's entries, each after its length as a big-endian u16", content_type = "application/octet-stream"),
        (status = 400, description = "Not a tile path"),
        (status = 401, description = "An entry bundle without the operator's or the observer's token"),
        (status = 404, description = "No such tile in the tree of the latest checkpoint")))]
pub(super) async fn tile<S: LogStore>(
    State(node): State<Arc<Node<S>>>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Answer {
    let Path(path) = path.map_err(bad_path)?;
    let tile = TilePath::parse(&path).map_err(|e| refusal(StatusCode::BAD_REQUEST, Some("path"), e))?;
    if tile.level.is_none() {
        role(&node, &headers)?;
    }
    let size = node.record.latest().await.map_err(internal)?.map_or(0, |c| c.checkpoint.size);
    if !tile.exists_in(size) {
        let message = format!("the tree of the latest checkpoint ({size} entries) has no tile {}", tile.to_path());
        return Err(refusal(StatusCode::NOT_FOUND, Some("path"), message));
    }
    let body = match tile.level {
        Some(_) => {
            let hashes = node.record.stored_hashes(&tile.stored_hashes()).await.map_err(internal)?;
            hashes.iter().flat_map(|h| h.0).collect::<Vec<u8>>()
        }
        None => {
            let range = tile.entries();
            node.record.entry_bundle(range.start, range.end).await.map_err(internal)?
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}

fn internal(error: RecordError) -> Refusal {
    refusal(StatusCode::INTERNAL_SERVER_ERROR, None, format!("the record failed: {error}"))
}

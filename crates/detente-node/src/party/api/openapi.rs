//! The node's OpenAPI 3.1 document, `GET /openapi.json`, generated from the
//! handlers' own annotations (utoipa), so the document names exactly the
//! routes the router serves; a test requests every one it lists.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::*;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "detente node",
        description = "A party's node: its record of notifications and declarations, the counts and findings under \
                       every party's reading, the exchange with its peers, and the witnessing of its checkpoints \
                       (docs/node.md). Every /api/v1/ route needs the operator's or the observer's token; the \
                       observer's reads only. Refusals are {\"error\", \"field\"}."
    ),
    paths(
        status, notify, notifications, declare, counts, findings, deadlines, feed, quorum, history, database, receive,
        tiles::checkpoint, tiles::tile
    ),
    modifiers(&Token)
)]
pub(super) struct NodeApi;

/// The bearer token every `/api/v1/` route takes.
struct Token;

impl utoipa::Modify for Token {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The operator's or the observer's token (detente init writes both)"))
            .build();
        components.add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// The document for a node; with `witnessing`, the tlog-witness route too.
pub(super) fn document(witnessing: bool) -> String {
    let mut document = <NodeApi as utoipa::OpenApi>::openapi();
    if witnessing {
        document.merge(<crate::witness::WitnessApi as utoipa::OpenApi>::openapi());
    }
    document.to_pretty_json().expect("an OpenAPI document is always JSON")
}

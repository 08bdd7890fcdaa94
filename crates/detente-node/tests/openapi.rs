//! The OpenAPI document the node serves: valid OpenAPI 3.1 JSON, public,
//! and every route it lists is one the node serves.

mod common;

use common::*;
use detente_log::keys::{Algorithm, SigningKey};

#[tokio::test]
async fn the_openapi_document_lists_exactly_routes_the_node_serves() {
    let dir = tempfile::tempdir().unwrap();
    let cosigner = SigningKey::from_seed("ru.detente.example/witness", Algorithm::Cosignature, [5; 32]).unwrap();
    let server = serve(russian_node(dir.path(), Vec::new(), Some(cosigner), Vec::new(), None).await).await;
    let (status, document) = server.call("GET", "/openapi.json", None, None).await;
    assert_eq!(status, 200, "public, no token: {document}");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let paths = document["paths"].as_object().unwrap();
    let mut routes = Vec::new();
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            routes.push(format!("{} {path}", method.to_uppercase()));
            let mut concrete = path.replace("{party}", "US").replace("{uid}", "US-B-B52H-001");
            if path.ends_with("/feed") {
                // Refused at once, where a good request would stream on.
                concrete.push_str("?after=not-a-sequence");
            }
            let (status, body) =
                server.call(&method.to_uppercase(), &concrete, Some(OPERATOR), Some(("application/json", b"{"))).await;
            let unrouted = status == 405 || body.to_string().contains("no such route");
            assert!(!unrouted, "{method} {path} is documented but not served: {status} {body}");
            let documented = methods[method]["responses"].as_object().unwrap();
            assert!(!documented.is_empty(), "{method} {path} documents no response");
        }
    }
    routes.sort();
    let expected = [
        "GET /api/v1/counts",
        "GET /api/v1/deadlines",
        "GET /api/v1/feed",
        "GET /api/v1/findings",
        "GET /api/v1/notifications",
        "GET /api/v1/parties/{party}/database",
        "GET /api/v1/parties/{party}/items/{uid}",
        "GET /api/v1/quorum",
        "GET /api/v1/status",
        "GET /checkpoint",
        "GET /tile/{path}",
        "POST /add-checkpoint",
        "POST /api/v1/declarations",
        "POST /api/v1/notifications",
        "POST /peer/v1/entries",
    ];
    assert_eq!(routes, expected);
    server.stop().await;
}

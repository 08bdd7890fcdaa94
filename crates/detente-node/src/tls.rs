//! TLS for the node (rustls, with the ring provider): serving under a
//! certificate, and reaching a peer pinned by the SHA-256 of its
//! certificate's public key (its SubjectPublicKeyInfo, SPKI), not by any
//! certificate authority. Parties name each other's keys in their
//! configurations, so no third party can vouch for a peer, and a node's
//! certificate can be self-signed: what is trusted is the key it holds.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest as _, Sha256};
/// The acceptor a server is handed, re-exported so that callers need no TLS crate of their own.
pub use tokio_rustls::TlsAcceptor;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The acceptor of a server with the certificate chain and private key in
/// `certificate_pem` and `key_pem`.
pub fn acceptor(certificate_pem: &[u8], key_pem: &[u8]) -> Result<tokio_rustls::TlsAcceptor, String> {
    let chain = CertificateDer::pem_slice_iter(certificate_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate is not PEM: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("the key is not a PEM private key: {e}"))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and the key do not go together: {e}"))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The SHA-256 of a certificate's SubjectPublicKeyInfo, the pin a peer
/// names it by.
pub fn spki_sha256(certificate: &[u8]) -> Result<[u8; 32], String> {
    let (_, parsed) =
        x509_parser::parse_x509_certificate(certificate).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(Sha256::digest(parsed.tbs_certificate.subject_pki.raw).into())
}

/// The pin of the first certificate in a PEM file, as hexadecimal.
pub fn spki_sha256_of_pem(certificate_pem: &[u8]) -> Result<String, String> {
    let certificate =
        CertificateDer::from_pem_slice(certificate_pem).map_err(|e| format!("the certificate is not PEM: {e}"))?;
    Ok(hex(&spki_sha256(&certificate)?))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a pin written as 64 hexadecimal digits.
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    let problem = || format!("{text:?} is not a SHA-256 as 64 hexadecimal digits");
    if text.len() != 64 || !text.is_ascii() {
        return Err(problem());
    }
    let mut pin = [0u8; 32];
    for (i, byte) in pin.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| problem())?;
    }
    Ok(pin)
}

/// A client that trusts exactly the server whose certificate's key has `pin`.
pub fn pinned_connector(pin: [u8; 32]) -> tokio_rustls::TlsConnector {
    let provider = provider();
    let verifier = Arc::new(Pinned { pin, provider: provider.clone() });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Accepts the server certificate whose public key has the pin, whoever
/// issued it and whatever names it carries; the handshake's signatures are
/// still checked against that key, so only its holder gets through.
#[derive(Debug)]
struct Pinned {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = spki_sha256(end_entity).map_err(rustls::Error::General)?;
        if presented != self.pin {
            return Err(rustls::Error::General(format!(
                "the server's key has SPKI SHA-256 {}, not the pinned {}",
                hex(&presented),
                hex(&self.pin)
            )));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, certificate, signature, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, certificate, signature, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

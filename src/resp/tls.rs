//! TLS for the RESP client (rustls with the `ring` provider): the server's certificate must
//! chain to a given CA and name the host the client asked for, as `redis-cli --tls --cacert`
//! would check it — plus the name check, which `redis-cli` skips and a real client does not.
//! No client certificate: the generated sets run with `tls-auth-clients no`.

use super::Socket;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The CA a client trusts; cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsClient")
    }
}

impl TlsClient {
    /// Trust the PEM certificates of `file` (a CA bundle such as a Secret's `ca.crt`).
    pub fn from_ca_file(file: &Path) -> io::Result<TlsClient> {
        let shown = format!("CA file {}", file.display());
        let pem = crate::bounded_read::file(file, &shown)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{e:#}")))?;
        TlsClient::from_ca_pem(&pem)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))
    }

    /// Trust the PEM certificates in `pem`.
    pub fn from_ca_pem(pem: &[u8]) -> io::Result<TlsClient> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| invalid(format!("not a PEM certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| invalid(format!("not a usable CA certificate: {e}")))?;
        }
        if roots.is_empty() {
            return Err(invalid(
                "no PEM certificate in it (expected the CA that signed the servers' certificates)"
                    .into(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsClient {
            config: Arc::new(config),
        })
    }

    /// Run the handshake on a connected socket (its timeouts bound it) and check that the
    /// server's certificate names `server_name` (a DNS name or an IP address).
    pub(super) fn handshake(
        &self,
        tcp: Socket,
        server_name: &str,
    ) -> io::Result<StreamOwned<ClientConnection, Socket>> {
        let name = ServerName::try_from(server_name.to_owned()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{server_name:?} is not a DNS name or IP address to verify the server by"),
            )
        })?;
        let connection = ClientConnection::new(Arc::clone(&self.config), name)
            .map_err(|e| io::Error::other(format!("TLS setup: {e}")))?;
        let mut stream = StreamOwned::new(connection, tcp);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("TLS handshake with {server_name} failed: {e}"),
                )
            })?;
        }
        Ok(stream)
    }
}

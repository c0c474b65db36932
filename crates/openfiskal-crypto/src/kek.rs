//! The installation's key-encryption key (ARCHITECTURE.md §9): 32 bytes that wrap every private
//! key OpenFiskal stores. In production it is read from the file named by `--kek-file` /
//! `OPENFISKAL_KEK_FILE`; in sandbox mode one is generated on first start into that file, beside
//! (never inside) the database. The bytes are zeroised on drop and never printed.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

/// A loaded key-encryption key.
pub struct Kek {
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek([redacted])")
    }
}

/// Why the key-encryption key is not available.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    /// The file could not be read or written.
    #[error("key-encryption key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file does not hold exactly 32 bytes.
    #[error("key-encryption key file {0} must hold exactly 32 bytes")]
    BadLength(String),
}

impl Kek {
    /// From raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self { bytes: Zeroizing::new(bytes) }
    }

    /// The raw bytes, for the key-wrapping code only.
    pub fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Reads a 32-byte key file.
    pub fn load(path: &Path) -> Result<Self, KekError> {
        let io = |source| KekError::Io { path: path.display().to_string(), source };
        let raw = Zeroizing::new(std::fs::read(path).map_err(io)?);
        let bytes: [u8; 32] = raw.as_slice().try_into().map_err(|_| KekError::BadLength(path.display().to_string()))?;
        Ok(Self::from_bytes(bytes))
    }

    /// Reads the key file, creating it with fresh random bytes (mode 0600) when it does not exist.
    /// Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KekError> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let io = |source| KekError::Io { path: path.display().to_string(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, bytes.as_mut_slice())
            .map_err(|e| io(std::io::Error::other(e)))?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(bytes.as_slice()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok((Self::from_bytes(*bytes), true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_loaded() {
        let dir = std::env::temp_dir().join(format!("ofk-kek-{}", std::process::id()));
        let path = dir.join("kek.key");
        let _ = std::fs::remove_file(&path);
        let (a, created) = Kek::load_or_create(&path).unwrap();
        assert!(created);
        let (b, created) = Kek::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "Kek([redacted])");
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(Kek::load(&path), Err(KekError::BadLength(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Sealed data could not be opened: wrong key, wrong associated data, or tampered bytes.
#[derive(Debug, thiserror::Error)]
#[error("sealed data could not be opened")]
pub struct OpenError;

impl Kek {
    /// Encrypts `plaintext` with AES-256-GCM under this key, bound to `aad` (e.g.
    /// `openfiskal:v1:{org}:{unit}:{purpose}`), with a fresh random nonce: `nonce ‖ ciphertext ‖ tag`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let cipher = aes_gcm::Aes256Gcm::new(&(*self.bytes).into());
        let mut nonce = [0u8; 12];
        rand::Rng::fill(&mut rand::rng(), &mut nonce);
        let ct = cipher
            .encrypt(&nonce.into(), Payload { msg: plaintext, aad })
            // AES-GCM encryption fails only for inputs beyond 64 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens what [`Kek::seal`] produced with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        if sealed.len() < 12 + 16 {
            return Err(OpenError);
        }
        let (nonce, ct) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| OpenError)?;
        let cipher = aes_gcm::Aes256Gcm::new(&(*self.bytes).into());
        cipher.decrypt(&nonce.into(), Payload { msg: ct, aad }).map(Zeroizing::new).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod seal_tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_aad() {
        let k = Kek::from_bytes([7; 32]);
        let s = k.seal(b"openfiskal:v1:a", b"secret");
        assert_eq!(k.open(b"openfiskal:v1:a", &s).unwrap().as_slice(), b"secret");
        assert!(k.open(b"openfiskal:v1:b", &s).is_err(), "moved to another purpose");
        assert!(Kek::from_bytes([8; 32]).open(b"openfiskal:v1:a", &s).is_err(), "another key");
        let mut t = s.clone();
        t[20] ^= 1;
        assert!(k.open(b"openfiskal:v1:a", &t).is_err(), "tampered");
        assert_ne!(k.seal(b"x", b"secret"), k.seal(b"x", b"secret"), "fresh nonce per seal");
    }
}

//! The client's own keys: the private key of private_key_jwt and of a client certificate (mTLS),
//! read from PEM (PKCS#8, PKCS#1 or SEC1) or a JWK, pasted or from a file; a new EC P-256 key pair;
//! the public JWK / JWKS to register with the provider; RFC 7638 thumbprints; what a client
//! certificate says of itself.
//!
//! The cryptography is ring's (already compiled in through rustls): it validates every key it is
//! given, generates the P-256 pairs, and `jsonwebtoken` signs with them. PEM is read by
//! `rustls-pki-types` (also in the tree). What is left is moving key parts between the few DER
//! containers ring and `jsonwebtoken` want (a JWK's numbers into PKCS#1, a SEC1 key into PKCS#8):
//! five fixed structures, written and read by the small `der` module below instead of the
//! RustCrypto `der`/`pkcs1`/`pkcs8`/`sec1`/`spki`/`const-oid` crates (six crates for what fits in a
//! hundred lines). Nothing built there is trusted: ring parses it strictly and refuses a key whose
//! parts don't fit together.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::model::SigningAlg;
use crate::model::authorization::KEY_MATERIAL_MAX;

/// What is wrong with a key, a certificate, or the file that should hold one: what to do is in the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, KeyError> {
    Err(KeyError(message.into()))
}

/// Where a key or certificate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Pasted,
    File(PathBuf),
}

impl KeySource {
    pub fn describe(&self) -> String {
        match self {
            KeySource::Pasted => "pasted into the form".into(),
            KeySource::File(path) => format!("from {}", path.display()),
        }
    }
}

/// The text of a key or certificate field: pasted PEM or JWK as it is, else the file it names
/// (`~/` is the home folder). `what` names the field in messages.
pub fn read_material(value: &str, what: &str) -> Result<(String, KeySource), KeyError> {
    let value = value.trim();
    if value.is_empty() {
        return fail(format!("The {what} is empty: paste it, or give the path of its file."));
    }
    if value.contains("-----BEGIN") || value.starts_with('{') {
        return Ok((value.to_owned(), KeySource::Pasted));
    }
    let path = expand_home(value);
    let metadata = std::fs::metadata(&path).map_err(|e| {
        KeyError(format!(
            "The {what} is neither pasted PEM or JWK nor a file authdeck can read: {} ({e}).",
            path.display()
        ))
    })?;
    if !metadata.is_file() {
        return fail(format!("The {what} names {}, which is not a file.", path.display()));
    }
    if metadata.len() > KEY_MATERIAL_MAX as u64 {
        return fail(format!(
            "{} is {} bytes, too large for a {what} (at most {KEY_MATERIAL_MAX}).",
            path.display(),
            metadata.len()
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| KeyError(format!("Cannot read the {what} from {}: {e}.", path.display())))?;
    Ok((text, KeySource::File(path)))
}

fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(value),
    }
}

/// The public half of a key, as a JWK gives it.
#[derive(Clone, PartialEq, Eq)]
enum Public {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// P-256: the coordinates, 32 bytes each.
    Ec {
        x: Vec<u8>,
        y: Vec<u8>,
    },
}

/// A private key authdeck can sign with: RSA (2048 bits at least, as ring demands) or EC P-256.
/// Its parts never reach `Debug`, a log or a record.
#[derive(Clone)]
pub struct PrivateKey {
    /// PKCS#1 for RSA (what `jsonwebtoken` signs RS256/PS256 with), PKCS#8 for EC (ES256).
    der: Vec<u8>,
    public: Public,
    /// The `kid` the JWK it came from had.
    pub kid: Option<String>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.describe())
    }
}

impl PrivateKey {
    /// Reads a private key: PEM (the first private key in it, so a file with the certificate and
    /// its key will do), a JWK, or a JWK set with one private key.
    pub fn parse(text: &str) -> Result<PrivateKey, KeyError> {
        let text = text.trim();
        if text.starts_with('{') {
            return from_jwk_text(text);
        }
        if !text.contains("-----BEGIN") {
            return fail("This is neither PEM (-----BEGIN PRIVATE KEY-----…) nor a JWK ({\"kty\": …}).");
        }
        if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            return fail(
                "The key is encrypted with a passphrase, which authdeck does not ask for: decrypt it with `openssl pkcs8 -in key.pem -nocrypt -out plain.pem` (authdeck keeps keys sealed itself).",
            );
        }
        let der = match PrivateKeyDer::from_pem_slice(text.as_bytes()) {
            Ok(der) => der,
            Err(rustls_pki_types::pem::Error::NoItemsFound) if text.contains("PUBLIC KEY") => {
                return fail(
                    "This is a public key: authdeck needs the private key to sign (the public one is what you register).",
                );
            }
            Err(rustls_pki_types::pem::Error::NoItemsFound) if text.contains("CERTIFICATE") => {
                return fail("This is a certificate, not a private key: paste the key that goes with it.");
            }
            Err(e) => {
                return fail(format!("The PEM can't be read ({e}): paste it whole, from -----BEGIN to -----END."));
            }
        };
        match der {
            PrivateKeyDer::Pkcs1(key) => rsa_from_pkcs1(key.secret_pkcs1_der().to_vec()),
            PrivateKeyDer::Pkcs8(key) => from_pkcs8(key.secret_pkcs8_der()),
            PrivateKeyDer::Sec1(key) => ec_from_sec1(key.secret_sec1_der()),
            _ => fail("This kind of private key is not one authdeck reads: use PKCS#8 (-----BEGIN PRIVATE KEY-----)."),
        }
    }

    /// A new EC P-256 key pair (for ES256), from the operating system's random generator.
    pub fn generate_p256() -> Result<PrivateKey, KeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError("The system's random generator failed: no key was made.".into()))?;
        ec_from_pkcs8(pkcs8.as_ref().to_vec())
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self.public, Public::Rsa { .. })
    }

    /// "RSA 2048-bit key", "EC P-256 key".
    pub fn describe(&self) -> String {
        match &self.public {
            Public::Rsa { n, .. } => format!("RSA {}-bit key", n.len() * 8),
            Public::Ec { .. } => "EC P-256 key".into(),
        }
    }

    /// Whether the key can sign with `alg`; else what to change.
    pub fn fits(&self, alg: SigningAlg) -> Result<(), KeyError> {
        match (self.is_rsa(), alg.is_rsa()) {
            (true, true) | (false, false) => Ok(()),
            (true, false) => fail(format!(
                "The key is an {}, which can't sign {}: choose RS256 or PS256, or an EC P-256 key.",
                self.describe(),
                alg.name()
            )),
            (false, true) => fail(format!(
                "The key is an {}, which can't sign {}: choose ES256, or an RSA key.",
                self.describe(),
                alg.name()
            )),
        }
    }

    /// The key `jsonwebtoken` signs with.
    pub fn encoding_key(&self) -> jsonwebtoken::EncodingKey {
        match self.public {
            Public::Rsa { .. } => jsonwebtoken::EncodingKey::from_rsa_der(&self.der),
            Public::Ec { .. } => jsonwebtoken::EncodingKey::from_ec_der(&self.der),
        }
    }

    /// The key as PEM (PKCS#1 for RSA, PKCS#8 for EC): what a generated key is kept as, and what
    /// reqwest's TLS identity reads.
    pub fn to_pem(&self) -> String {
        let label = if self.is_rsa() { "RSA PRIVATE KEY" } else { "PRIVATE KEY" };
        to_pem(label, &self.der)
    }

    /// The public JWK to register with the provider (RFC 7517): `use` sig, with `kid` and `alg`
    /// when given. Only public members: never `d`.
    pub fn public_jwk(&self, kid: Option<&str>, alg: Option<&str>) -> Value {
        let mut jwk = self.thumbprint_members();
        if let Value::Object(map) = &mut jwk {
            map.insert("use".into(), "sig".into());
            if let Some(alg) = alg {
                map.insert("alg".into(), alg.into());
            }
            if let Some(kid) = kid.map(str::trim).filter(|k| !k.is_empty()) {
                map.insert("kid".into(), kid.into());
            }
        }
        jwk
    }

    /// RFC 7638: the SHA-256 thumbprint of the public key, base64url (DPoP's `jkt`, a default `kid`).
    pub fn thumbprint(&self) -> String {
        // serde_json's maps are ordered by key: exactly the lexicographic order RFC 7638 asks for.
        let canonical = self.thumbprint_members().to_string();
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The required members of the public JWK only (RFC 7638 section 3.2).
    fn thumbprint_members(&self) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match &self.public {
            Public::Rsa { n, e } => json!({"e": b64(e), "kty": "RSA", "n": b64(n)}),
            Public::Ec { x, y } => json!({"crv": "P-256", "kty": "EC", "x": b64(x), "y": b64(y)}),
        }
    }
}

/// PEM armour around DER, 64 characters a line (RFC 7468).
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn rsa_from_pkcs1(der: Vec<u8>) -> Result<PrivateKey, KeyError> {
    let pair = RsaKeyPair::from_der(&der).map_err(|e| rsa_rejected(&e))?;
    let parts = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
    Ok(PrivateKey { der, public: Public::Rsa { n: parts.n, e: parts.e }, kid: None })
}

fn rsa_rejected(e: &ring::error::KeyRejected) -> KeyError {
    let why = e.to_string();
    if why.contains("TooSmall") {
        KeyError(
            "The RSA key is shorter than 2048 bits, which is too weak to sign with: make a 2048-bit (or longer) key."
                .into(),
        )
    } else {
        KeyError(format!("The RSA key is not valid ({why}): check that it was copied whole."))
    }
}

fn ec_from_pkcs8(der: Vec<u8>) -> Result<PrivateKey, KeyError> {
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng).map_err(|e| {
        let why = e.to_string();
        if why.contains("public key") || why.contains("InvalidEncoding") {
            KeyError(format!(
                "The EC key can't be read ({why}); a key without its public part must be converted: `openssl pkcs8 -topk8 -nocrypt -in key.pem`."
            ))
        } else {
            KeyError(format!("The EC key is not a valid P-256 key ({why})."))
        }
    })?;
    let point = pair.public_key().as_ref();
    // An uncompressed point: 0x04, then x and y.
    let (x, y) = match point {
        [4, rest @ ..] if rest.len() == 64 => (rest[..32].to_vec(), rest[32..].to_vec()),
        _ => return fail("The EC key's public point is not an uncompressed P-256 point."),
    };
    Ok(PrivateKey { der, public: Public::Ec { x, y }, kid: None })
}

/// A PKCS#8 key: EC P-256 or RSA (the RSA key inside goes on as PKCS#1); other kinds named.
fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let Some((algorithm, parameters, inner)) = der::pkcs8_parts(der) else {
        return fail("The PKCS#8 key is damaged: check that it was copied whole.");
    };
    match (algorithm, parameters) {
        (der::OID_RSA, _) => rsa_from_pkcs1(inner.to_vec()),
        (der::OID_EC, Some(der::OID_P256)) => ec_from_pkcs8(der.to_vec()),
        (der::OID_EC, Some(der::OID_P384)) => {
            fail("The key is on the P-384 curve; authdeck signs with P-256 (ES256) or RSA keys.")
        }
        (der::OID_EC, _) => fail("The EC key is on a curve authdeck can't use: make a P-256 key."),
        (der::OID_ED25519, _) => fail("The key is an Ed25519 key; authdeck signs with RSA or EC P-256 keys."),
        _ => fail("The key is of a kind authdeck can't sign with: use an RSA (2048 bits or more) or EC P-256 key."),
    }
}

/// A SEC1 key (`-----BEGIN EC PRIVATE KEY-----`, as `openssl ecparam -genkey` writes): wrapped in
/// PKCS#8 for ring.
fn ec_from_sec1(sec1: &[u8]) -> Result<PrivateKey, KeyError> {
    match der::sec1_curve(sec1) {
        Some(der::OID_P256) | None => ec_from_pkcs8(der::pkcs8_ec(sec1)),
        Some(der::OID_P384) => fail("The key is on the P-384 curve; authdeck signs with P-256 (ES256) or RSA keys."),
        Some(_) => fail("The EC key is on a curve authdeck can't use: make a P-256 key."),
    }
}

fn from_jwk_text(text: &str) -> Result<PrivateKey, KeyError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| KeyError(format!("The key looks like a JWK but is not valid JSON ({e}).")))?;
    let jwk = match value.get("keys").and_then(Value::as_array) {
        Some(keys) => {
            let private: Vec<&Value> = keys.iter().filter(|k| k.get("d").is_some()).collect();
            match private.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return fail(
                        "The JWK set has no private key (no \"d\"): paste the private JWK, not the public set.",
                    );
                }
                _ => return fail("The JWK set has several private keys: paste the one to sign with."),
            }
        }
        None => value,
    };
    let member = |name: &str| -> Result<Vec<u8>, KeyError> {
        let text = jwk.get(name).and_then(Value::as_str).ok_or_else(|| {
            KeyError(format!(
                "The JWK has no \"{name}\"{}",
                if name == "d" { ": it is a public key; authdeck needs the private one to sign." } else { "." }
            ))
        })?;
        URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| KeyError(format!("The JWK's \"{name}\" is not base64url.")))
    };
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
    let mut key = match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => {
            let d = member("d")?;
            let names = ["n", "e", "p", "q", "dp", "dq", "qi"];
            let mut parts = Vec::new();
            for name in names {
                parts.push(member(name).map_err(|e| {
                    KeyError(format!(
                        "{e} An RSA private JWK needs n, e, d, p, q, dp, dq and qi (as every JWK tool writes)."
                    ))
                })?);
            }
            let [n, e, p, q, dp, dq, qi] =
                <[Vec<u8>; 7]>::try_from(parts).map_err(|_| KeyError("The RSA JWK is incomplete.".into()))?;
            rsa_from_pkcs1(der::pkcs1(&[&n, &e, &d, &p, &q, &dp, &dq, &qi]))?
        }
        Some("EC") => {
            match jwk.get("crv").and_then(Value::as_str) {
                Some("P-256") => {}
                Some(other) => {
                    return fail(format!(
                        "The JWK is on the {other} curve; authdeck signs with P-256 (ES256) or RSA keys."
                    ));
                }
                None => return fail("The EC JWK has no \"crv\"."),
            }
            let (d, x, y) = (member("d")?, member("x")?, member("y")?);
            if d.len() != 32 || x.len() != 32 || y.len() != 32 {
                return fail("The P-256 JWK's d, x and y must be 32 bytes each.");
            }
            let mut point = vec![4u8];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            ec_from_pkcs8(der::pkcs8_ec(&der::sec1_p256(&d, &point)))?
        }
        Some("OKP") => return fail("The JWK is an OKP (Ed25519) key; authdeck signs with RSA or EC P-256 keys."),
        Some("oct") => {
            return fail(
                "The JWK is a symmetric (oct) key: for HS256 choose client_secret_jwt and put it in the Client Secret.",
            );
        }
        Some(other) => {
            return fail(format!("The JWK's kty \"{other}\" is not one authdeck can sign with (RSA or EC)."));
        }
        None => return fail("The JWK has no \"kty\"."),
    };
    key.kid = kid;
    Ok(key)
}

/// What a client certificate says of itself, to show which one was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The subject's distinguished name, e.g. `CN=authdeck-test-client`.
    pub subject: String,
    pub issuer: String,
    /// RFC 8705 section 3.1: base64url SHA-256 of the DER certificate (`cnf.x5t#S256`).
    pub thumbprint: String,
    /// How many certificates follow it (its chain).
    pub chain: usize,
}

impl CertificateInfo {
    pub fn describe(&self) -> String {
        let chain = match self.chain {
            0 => String::new(),
            n => format!(", {n} chain certificate(s)"),
        };
        let issued =
            if self.subject == self.issuer { "self-signed".to_owned() } else { format!("issued by {}", self.issuer) };
        format!("{} ({issued}), x5t#S256 {}{chain}", self.subject, self.thumbprint)
    }
}

/// Reads a client certificate (PEM, its chain may follow) and says what it is.
pub fn certificate_info(pem: &str) -> Result<CertificateInfo, KeyError> {
    let certificates: Vec<CertificateDer<'_>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| KeyError(format!("The certificate's PEM can't be read ({e}): paste it whole.")))?;
    let Some(first) = certificates.first() else {
        return fail("There is no certificate (-----BEGIN CERTIFICATE-----) in the client certificate field.");
    };
    let (subject, issuer) = der::certificate_names(first.as_ref())
        .ok_or_else(|| KeyError("The client certificate is damaged: its subject can't be read.".into()))?;
    Ok(CertificateInfo {
        subject,
        issuer,
        thumbprint: URL_SAFE_NO_PAD.encode(Sha256::digest(first.as_ref())),
        chain: certificates.len() - 1,
    })
}

/// The few DER structures the keys move between (X.690), and reading a certificate's names.
mod der {
    pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    pub const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const OCTET_STRING: u8 = 0x04;
    const OID: u8 = 0x06;
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const CONTEXT_0: u8 = 0xa0;
    const CONTEXT_1: u8 = 0xa1;

    /// One tag-length-value.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// An unsigned big-endian number as a DER INTEGER (no leading zeros, a 0 before a high bit).
    fn uint(bytes: &[u8]) -> Vec<u8> {
        let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
            Some(i) => &bytes[i..],
            None => &[0],
        };
        let mut content = Vec::with_capacity(trimmed.len() + 1);
        if trimmed[0] & 0x80 != 0 {
            content.push(0);
        }
        content.extend_from_slice(trimmed);
        tlv(INTEGER, &content)
    }

    fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(SEQUENCE, &parts.concat())
    }

    /// PKCS#1 RSAPrivateKey (RFC 8017 appendix A.1.2): version 0, then n, e, d, p, q, dp, dq, qi.
    pub fn pkcs1(numbers: &[&[u8]; 8]) -> Vec<u8> {
        let mut parts = vec![uint(&[0])];
        parts.extend(numbers.iter().map(|n| uint(n)));
        sequence(&parts)
    }

    /// SEC1 ECPrivateKey (RFC 5915) on P-256, with its public point (ring wants it).
    pub fn sec1_p256(d: &[u8], point: &[u8]) -> Vec<u8> {
        let mut bits = vec![0u8];
        bits.extend_from_slice(point);
        sequence(&[
            uint(&[1]),
            tlv(OCTET_STRING, d),
            tlv(CONTEXT_0, &tlv(OID, OID_P256)),
            tlv(CONTEXT_1, &tlv(BIT_STRING, &bits)),
        ])
    }

    /// PKCS#8 PrivateKeyInfo (RFC 5208) of a P-256 SEC1 key.
    pub fn pkcs8_ec(sec1: &[u8]) -> Vec<u8> {
        sequence(&[uint(&[0]), sequence(&[tlv(OID, OID_EC), tlv(OID, OID_P256)]), tlv(OCTET_STRING, sec1)])
    }

    /// Reads one TLV: (tag, content, rest).
    fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (found, content, rest) = read(input)?;
        (found == tag).then_some((content, rest))
    }

    /// A PKCS#8 key's parts: its algorithm OID, its parameter OID (the curve, for EC), the key inside.
    pub type Pkcs8Parts<'a> = (&'a [u8], Option<&'a [u8]>, &'a [u8]);

    /// A PKCS#8 key's algorithm OID, its parameter OID (the curve, for EC) and the key inside.
    pub fn pkcs8_parts(der: &[u8]) -> Option<Pkcs8Parts<'_>> {
        let (info, _) = expect(der, SEQUENCE)?;
        let (_version, rest) = expect(info, INTEGER)?;
        let (algorithm, rest) = expect(rest, SEQUENCE)?;
        let (key, _) = expect(rest, OCTET_STRING)?;
        let (oid, params) = expect(algorithm, OID)?;
        let curve = expect(params, OID).map(|(oid, _)| oid);
        Some((oid, curve, key))
    }

    /// The curve a SEC1 key names in its parameters, when it names one.
    pub fn sec1_curve(sec1: &[u8]) -> Option<&[u8]> {
        let (key, _) = expect(sec1, SEQUENCE)?;
        let (_version, rest) = expect(key, INTEGER)?;
        let (_d, rest) = expect(rest, OCTET_STRING)?;
        let (params, _) = expect(rest, CONTEXT_0)?;
        expect(params, OID).map(|(oid, _)| oid)
    }

    /// A SEC1 key's private scalar.
    #[cfg(test)]
    pub fn sec1_private_scalar(sec1: &[u8]) -> Option<&[u8]> {
        let (key, _) = expect(sec1, SEQUENCE)?;
        let (_version, rest) = expect(key, INTEGER)?;
        expect(rest, OCTET_STRING).map(|(d, _)| d)
    }

    /// A certificate's subject and issuer (RFC 5280 section 4.1), as `CN=…, O=…`.
    pub fn certificate_names(der: &[u8]) -> Option<(String, String)> {
        let (certificate, _) = expect(der, SEQUENCE)?;
        let (tbs, _) = expect(certificate, SEQUENCE)?;
        let mut rest = tbs;
        if let Some((CONTEXT_0, _, after)) = read(rest) {
            rest = after; // the version
        }
        let (_serial, rest) = expect(rest, INTEGER)?;
        let (_signature, rest) = expect(rest, SEQUENCE)?;
        let (issuer, rest) = expect(rest, SEQUENCE)?;
        let (_validity, rest) = expect(rest, SEQUENCE)?;
        let (subject, _) = expect(rest, SEQUENCE)?;
        Some((name(subject), name(issuer)))
    }

    /// An X.501 Name: its common attributes by their short names, others by their OID.
    fn name(mut rdns: &[u8]) -> String {
        let mut parts = Vec::new();
        while let Some((set, rest)) = expect(rdns, SET) {
            rdns = rest;
            let Some((pair, _)) = expect(set, SEQUENCE) else { continue };
            let Some((oid, value)) = expect(pair, OID) else { continue };
            let Some((_, text, _)) = read(value) else { continue };
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN".to_owned(),
                [0x55, 0x04, 0x0a] => "O".to_owned(),
                [0x55, 0x04, 0x0b] => "OU".to_owned(),
                [0x55, 0x04, 0x06] => "C".to_owned(),
                [0x55, 0x04, 0x07] => "L".to_owned(),
                [0x55, 0x04, 0x08] => "ST".to_owned(),
                other => other.iter().map(|b| format!("{b:02x}")).collect(),
            };
            parts.push(format!("{label}={}", String::from_utf8_lossy(text)));
        }
        if parts.is_empty() { "(empty name)".into() } else { parts.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_round_trips_through_pem_and_jwk() {
        let key = PrivateKey::generate_p256().unwrap();
        assert_eq!(key.describe(), "EC P-256 key");
        let again = PrivateKey::parse(&key.to_pem()).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        let jwk = key.public_jwk(Some("k1"), Some("ES256"));
        assert_eq!(
            (jwk["kty"].as_str(), jwk["kid"].as_str(), jwk["alg"].as_str()),
            (Some("EC"), Some("k1"), Some("ES256"))
        );
        assert!(jwk.get("d").is_none(), "never the private part");
        assert!(key.fits(SigningAlg::ES256).is_ok());
        assert!(key.fits(SigningAlg::RS256).unwrap_err().to_string().contains("choose ES256"));
    }

    #[test]
    fn rfc7638_thumbprint_of_its_example_key() {
        // RFC 7638 section 3.1's RSA key (public part); the thumbprint is the RFC's.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let public = Public::Rsa { n: URL_SAFE_NO_PAD.decode(n).unwrap(), e: URL_SAFE_NO_PAD.decode("AQAB").unwrap() };
        let key = PrivateKey { der: Vec::new(), public, kid: None };
        assert_eq!(key.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn an_ec_jwk_becomes_the_same_key() {
        let key = PrivateKey::generate_p256().unwrap();
        let Some((_, _, sec1)) = der::pkcs8_parts(&key.der) else { panic!() };
        // The private scalar: SEC1's first OCTET STRING.
        let d = der::sec1_private_scalar(sec1).unwrap();
        let public = key.public_jwk(None, None);
        let mut private = public.clone();
        private["d"] = URL_SAFE_NO_PAD.encode(d).into();
        private["kid"] = "from-jwk".into();
        let parsed = PrivateKey::parse(&private.to_string()).unwrap();
        assert_eq!(parsed.thumbprint(), key.thumbprint());
        assert_eq!(parsed.kid.as_deref(), Some("from-jwk"));
        let set = json!({"keys": [public, private]});
        assert_eq!(PrivateKey::parse(&set.to_string()).unwrap().thumbprint(), key.thumbprint());
    }

    #[test]
    fn bad_keys_say_what_is_wrong() {
        let message = |text: &str| PrivateKey::parse(text).unwrap_err().to_string();
        assert!(message("hello").contains("neither PEM"));
        assert!(
            message("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----").contains("can't be read")
        );
        assert!(
            message("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")
                .contains("openssl pkcs8")
        );
        assert!(message("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").contains("public key"));
        assert!(message(r#"{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}"#).contains("\"d\""));
        assert!(message(r#"{"kty": "oct", "k": "c2VjcmV0"}"#).contains("client_secret_jwt"));
        assert!(message(r#"{"kty": "EC", "crv": "P-384", "d": "AA"}"#).contains("P-384"));
        assert!(message("{not json").contains("not valid JSON"));
        assert!(message(r#"{"keys": []}"#).contains("no private key"));
        // A damaged PKCS#8 body that is base64 all the same.
        let damaged = to_pem("PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert!(message(&damaged).contains("damaged"), "{}", message(&damaged));
    }

    #[test]
    fn a_sec1_key_is_read_as_openssl_writes_it() {
        let key = PrivateKey::generate_p256().unwrap();
        let Some((_, _, sec1)) = der::pkcs8_parts(&key.der) else { panic!() };
        // ring's PKCS#8 holds the SEC1 key without its curve; openssl's names it. Either reads.
        let parsed = PrivateKey::parse(&to_pem("EC PRIVATE KEY", sec1)).unwrap();
        assert_eq!(parsed.thumbprint(), key.thumbprint());
    }

    #[test]
    fn der_lengths_and_integers() {
        assert_eq!(der::tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        let long = der::tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], [0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(der::pkcs1(&[&[0x80], &[1], &[0], &[0], &[0], &[0], &[0], &[0]])[2..9], [2, 1, 0, 2, 2, 0, 0x80]);
    }

    #[test]
    fn files_are_read_and_missing_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        let key = PrivateKey::generate_p256().unwrap();
        std::fs::write(&path, key.to_pem()).unwrap();
        let (text, source) = read_material(path.to_str().unwrap(), "private key").unwrap();
        assert_eq!(source, KeySource::File(path.clone()));
        assert_eq!(PrivateKey::parse(&text).unwrap().thumbprint(), key.thumbprint());
        let missing = read_material("/nonexistent/key.pem", "private key").unwrap_err().to_string();
        assert!(missing.contains("/nonexistent/key.pem"), "{missing}");
        assert_eq!(read_material(&key.to_pem(), "private key").unwrap().1, KeySource::Pasted);
    }
}

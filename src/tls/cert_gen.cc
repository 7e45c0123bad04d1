#include "tls/cert_gen.h"

#include <openssl/rand.h>

#include <chrono>
#include <ctime>

#include "common/time_format.h"

namespace pipegrid::tls {
namespace {

// notBefore lies this far in the past: a machine whose clock is somewhat
// behind the one that ran `pipegrid certs` must still accept the certificate.
constexpr long kBackdateSeconds = 60 * 60;

time_t ToTimeT(WallTime t) { return std::chrono::system_clock::to_time_t(t); }

Result<EvpPkeyPtr> GenerateKey() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Internal("generating an ECDSA P-256 key: " + OpenSslError());
  return key;
}

// 127 random bits with the top bit of the first octet set and the sign bit
// clear: always positive, never zero, always 16 octets (RFC 5280 §4.1.2.2
// allows up to 20), and unguessable so no two issued serials collide.
Status SetRandomSerial(X509& cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Internal("RAND_bytes: " + OpenSslError());
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(&cert)) == nullptr) {
    return Internal("setting the serial number: " + OpenSslError());
  }
  return Status::Ok();
}

Status SetSubject(X509& cert, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(&cert);  // owned by cert
  auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add("O", "pipegrid") || !add("CN", common_name)) {
    return Internal("setting the subject name: " + OpenSslError());
  }
  return Status::Ok();
}

// A v3 certificate for `key` with a random serial, `common_name` and validity
// from (now - backdate) to (now + days); issuer and extensions still unset.
Result<X509Ptr> NewCert(EVP_PKEY& key, const std::string& common_name, WallTime now, int days) {
  X509Ptr cert(X509_new());
  if (!cert) return Internal("X509_new: " + OpenSslError());
  time_t t = ToTimeT(now);
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_TIME_adj(X509_getm_notBefore(cert.get()), t, 0, -kBackdateSeconds) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(cert.get()), t, days, 0) == nullptr ||
      X509_set_pubkey(cert.get(), &key) != 1) {
    return Internal("filling in a certificate: " + OpenSslError());
  }
  PG_RETURN_IF_ERROR(SetRandomSerial(*cert));
  PG_RETURN_IF_ERROR(SetSubject(*cert, common_name));
  return cert;
}

// An extension written in openssl.cnf syntax: these values are fixed strings,
// never user input (alt names, which are, go through AddAltNames()).
Status AddExtension(X509& cert, X509& issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, &issuer, &cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(&cert, ext.get(), -1) != 1) {
    return Internal(std::string("adding extension ") + OBJ_nid2sn(nid) + ": " + OpenSslError());
  }
  return Status::Ok();
}

Result<GeneralNamePtr> ToGeneralName(const SubjectAltName& alt) {
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) return Internal("GENERAL_NAME_new: " + OpenSslError());
  if (alt.kind == SubjectAltName::Kind::kIp) {
    Asn1OctetStringPtr ip(a2i_IPADDRESS(alt.value.c_str()));
    if (!ip) return InvalidArgument("not an IP address: " + alt.value);
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip.release());
  } else {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (dns == nullptr ||
        ASN1_STRING_set(dns, alt.value.data(), static_cast<int>(alt.value.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      return Internal("encoding a DNS name: " + OpenSslError());
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, dns);
  }
  return name;
}

// Built from typed values rather than an openssl.cnf string, so a host can
// never smuggle extra entries in through commas or colons.
Status AddAltNames(X509& cert, const std::vector<SubjectAltName>& alt_names) {
  if (alt_names.empty()) return Status::Ok();
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return Internal("GENERAL_NAMES_new: " + OpenSslError());
  for (const SubjectAltName& alt : alt_names) {
    PG_ASSIGN_OR_RETURN(GeneralNamePtr name, ToGeneralName(alt));
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return Internal("sk_GENERAL_NAME_push: " + OpenSslError());
    }
    name.release();  // now owned by `names`
  }
  if (X509_add1_ext_i2d(&cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return Internal("adding subjectAltName: " + OpenSslError());
  }
  return Status::Ok();
}

Status Sign(X509& cert, EVP_PKEY& issuer_key) {
  if (X509_sign(&cert, &issuer_key, EVP_sha256()) <= 0) {
    return Internal("signing the certificate: " + OpenSslError());
  }
  return Status::Ok();
}

}  // namespace

Result<KeyAndCert> MakeCa(const CaOptions& options) {
  PG_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey());
  PG_ASSIGN_OR_RETURN(X509Ptr cert, NewCert(*key, options.common_name, options.now, options.days));
  X509& c = *cert;
  if (X509_set_issuer_name(&c, X509_get_subject_name(&c)) != 1) {
    return Internal("setting the issuer name: " + OpenSslError());
  }
  // The subject key identifier first: the authority key identifier of a
  // self-signed certificate is derived from it.
  PG_RETURN_IF_ERROR(AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  PG_RETURN_IF_ERROR(AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
  PG_RETURN_IF_ERROR(AddExtension(c, c, NID_subject_key_identifier, "hash"));
  PG_RETURN_IF_ERROR(AddExtension(c, c, NID_authority_key_identifier, "keyid:always"));
  PG_RETURN_IF_ERROR(Sign(c, *key));
  return KeyAndCert{std::move(key), std::move(cert)};
}

Result<KeyAndCert> IssueLeaf(const KeyAndCert& ca, const LeafOptions& options) {
  time_t now = ToTimeT(options.now);
  const ASN1_TIME* ca_not_after = X509_get0_notAfter(ca.cert.get());
  if (X509_cmp_time(ca_not_after, &now) != 1) {
    auto expired = ToWallTime(*ca_not_after);
    return FailedPrecondition("the CA certificate expired" +
                              (expired.ok() ? " at " + FormatTime(*expired) : std::string()));
  }
  PG_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey());
  PG_ASSIGN_OR_RETURN(X509Ptr cert, NewCert(*key, options.common_name, options.now, options.days));
  X509& c = *cert;
  if (ASN1_TIME_compare(X509_get0_notAfter(&c), ca_not_after) > 0 &&
      X509_set1_notAfter(&c, ca_not_after) != 1) {
    return Internal("capping notAfter at the CA's: " + OpenSslError());
  }
  if (X509_set_issuer_name(&c, X509_get_subject_name(ca.cert.get())) != 1) {
    return Internal("setting the issuer name: " + OpenSslError());
  }
  X509& issuer = *ca.cert;
  const char* eku = options.usage == LeafUsage::kClient ? "clientAuth" : "serverAuth,clientAuth";
  PG_RETURN_IF_ERROR(AddExtension(c, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  PG_RETURN_IF_ERROR(AddExtension(c, issuer, NID_key_usage, "critical,digitalSignature"));
  PG_RETURN_IF_ERROR(AddExtension(c, issuer, NID_ext_key_usage, eku));
  PG_RETURN_IF_ERROR(AddExtension(c, issuer, NID_subject_key_identifier, "hash"));
  PG_RETURN_IF_ERROR(AddExtension(c, issuer, NID_authority_key_identifier, "keyid:always"));
  PG_RETURN_IF_ERROR(AddAltNames(c, options.alt_names));
  PG_RETURN_IF_ERROR(Sign(c, *ca.key));
  return KeyAndCert{std::move(key), std::move(cert)};
}

}  // namespace pipegrid::tls

#include "auth/token.h"

#include <array>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace pipegrid::auth {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes, unpadded

Status RandomBytes(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    return Internal("no randomness available for a token (RAND_bytes failed)");
  }
  return Status::Ok();
}

std::string Base64Url(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

Result<std::string> NewSecret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  PG_RETURN_IF_ERROR(RandomBytes(bytes.data(), bytes.size()));
  return std::string(kSecretPrefix) + Base64Url(bytes.data(), bytes.size());
}

Result<std::string> NewTokenId() {
  std::array<unsigned char, 8> bytes{};
  PG_RETURN_IF_ERROR(RandomBytes(bytes.data(), bytes.size()));
  return std::string(kTokenIdPrefix) + Hex(bytes.data(), bytes.size());
}

std::string HashSecret(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return Hex(digest.data(), len);
}

bool LooksLikeSecret(std::string_view text) {
  if (text.size() != kSecretPrefix.size() + kSecretChars) return false;
  if (text.substr(0, kSecretPrefix.size()) != kSecretPrefix) return false;
  for (char c : text.substr(kSecretPrefix.size())) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

}  // namespace pipegrid::auth

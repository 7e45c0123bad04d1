#include "worker/task_files.h"

#include <fcntl.h>
#include <glob.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "worker/posix_util.h"
#include "worker/workspace.h"

namespace pipegrid::worker {
namespace fs = std::filesystem;

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

Result<std::string> Sha256File(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("cannot open " + path, errno);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("sha256: cannot initialise");
  }
  std::string buf(1 << 16, '\0');
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read " + path, errno);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Result<std::vector<protocol::OutputFile>> CollectOutputs(const std::string& workspace,
                                                         const std::vector<std::string>& patterns,
                                                         int64_t max_bytes) {
  std::set<std::string> paths;
  for (const std::string& pattern : patterns) {
    if (!IsSafeRelativePath(pattern)) {
      return InvalidArgument("output " + pattern + " is not a relative path");
    }
    // The workspace's own path may hold glob characters ("ocr[0]"): quoted.
    std::string full;
    for (char c : workspace) {
      if (c == '[' || c == ']' || c == '*' || c == '?' || c == '\\') full += '\\';
      full += c;
    }
    full += "/" + pattern;
    glob_t found{};
    int rc = ::glob(full.c_str(), GLOB_NOSORT, nullptr, &found);
    size_t matched = 0;
    if (rc == 0) {
      for (size_t i = 0; i < found.gl_pathc; ++i) {
        std::string match = found.gl_pathv[i];
        struct stat st {};
        if (::lstat(match.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        paths.insert(match.substr(workspace.size() + 1));
        ++matched;
      }
    }
    ::globfree(&found);
    if (matched == 0) {
      return FailedPrecondition(
          fmt::format("declared output {} is missing (no regular file matches it in the workspace)",
                      pattern));
    }
  }
  std::vector<protocol::OutputFile> out;
  int64_t total = 0;
  for (const std::string& rel : paths) {
    struct stat st {};
    std::string full = workspace + "/" + rel;
    if (::stat(full.c_str(), &st) != 0) return ErrnoStatus("cannot stat output " + rel, errno);
    total += st.st_size;
    if (total > max_bytes) {
      return ResourceExhausted(fmt::format(
          "outputs are larger than --max-output-bytes ({} bytes) at {}", max_bytes, rel));
    }
    PG_ASSIGN_OR_RETURN(std::string sha, Sha256File(full));
    out.push_back({rel, static_cast<int64_t>(st.st_size), std::move(sha)});
  }
  return out;
}

Status PlaceInputs(const std::string& workspace, const std::vector<protocol::InputFile>& inputs) {
  const fs::path root = fs::path(workspace) / "inputs";
  for (const protocol::InputFile& in : inputs) {
    if (!IsSafePathComponent(in.task) || !IsSafeRelativePath(in.file.path)) {
      return InvalidArgument("unsafe input path " + in.task + "/" + in.file.path);
    }
    fs::path dest = root / in.task / in.file.path;
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return Internal("cannot create " + dest.parent_path().string() + ": " + ec.message());
    if (::link(in.local.c_str(), dest.c_str()) != 0) {
      fs::copy_file(in.local, dest, fs::copy_options::overwrite_existing, ec);
      if (ec) return Internal("cannot place input " + dest.string() + ": " + ec.message());
    }
    // Read-only files; the directories stay writable so the workspace can
    // be removed by an unprivileged worker.
    if (::chmod(dest.c_str(), 0444) != 0) return ErrnoStatus("cannot chmod " + dest.string(), errno);
  }
  return Status::Ok();
}

}  // namespace pipegrid::worker

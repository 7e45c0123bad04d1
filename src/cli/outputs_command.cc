// outputs ID TASK [--out DIR]: list the files a task kept, or download them
// all into DIR/<path>, each checked against the size and SHA-256 the server
// lists for it.
//
// A file is written to "<path>.part" beside its destination and renamed only
// once its size and checksum match, so DIR never holds a partial or corrupt
// file under the real name. Exit codes: 0, 3 (unknown job or task), 4
// (unreachable or 5xx), 1 (a download failed its check or could not be
// written).
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <vector>

#include "cli/command_support.h"
#include "cli/exit_codes.h"

namespace pipegrid::cli {
namespace {

// A download that arrived but does not match its listing, or could not be
// stored: the outputs are not usable, as when a job failed.
constexpr int kExitDownloadFailed = 1;

struct OutputsArgs {
  ClientFlags flags;
  std::string id;
  std::string task;
  std::string out_dir;
};

struct Listed {
  std::string path;
  int64_t size = 0;
  std::string sha256;
};

// A server is another program: its paths name files we are about to write,
// so only plain relative paths are accepted (no "..", ".", empty or absolute
// parts), as the server itself promises.
bool IsPlainRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  while (true) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

// "a b/c" -> "a%20b/c": each segment encoded, the slashes kept.
std::string EncodePath(std::string_view path) {
  std::string out;
  while (true) {
    size_t slash = path.find('/');
    out += UrlEncode(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    out += '/';
    path.remove_prefix(slash + 1);
  }
}

// SHA-256 fed piece by piece, lowercase hex at the end.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    PG_CHECK(ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1);
  }
  void Update(std::string_view data) {
    PG_CHECK(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) == 1);
  }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    PG_CHECK(EVP_DigestFinal_ex(ctx_.get(), digest, &len) == 1);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
      hex += kHex[digest[i] >> 4];
      hex += kHex[digest[i] & 0xF];
    }
    return hex;
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// The listing's items, or the exit code after reporting why there are none.
std::variant<std::vector<Listed>, CallFailed> ParseListing(const Session& s, const Json& page,
                                                           std::string_view target) {
  std::vector<Listed> files;
  for (const Json& item : FieldArray(page, "items")) {
    Listed f{FieldText(item, "path"), FieldInt(item, "size", -1), FieldText(item, "sha256")};
    if (!IsPlainRelativePath(f.path) || f.size < 0 || f.sha256.empty()) {
      return CallFailed{s.BadAnswer(target,
                                    "an output entry is not {path, size, sha256} with a "
                                    "plain relative path: " +
                                        item.dump())};
    }
    files.push_back(std::move(f));
  }
  return files;
}

// Downloads one file into `dest`; the exit code (0 when it is in place).
int Download(const Session& s, const std::string& files_target, const Listed& file,
             const std::filesystem::path& dest) {
  std::error_code ec;
  std::filesystem::create_directories(dest.parent_path(), ec);
  if (ec) {
    s.err() << "error: cannot create " << dest.parent_path().string() << ": " << ec.message()
            << "\n";
    return kExitDownloadFailed;
  }
  std::filesystem::path part = dest;
  part += ".part";
  std::ofstream stream(part, std::ios::binary | std::ios::trunc);
  if (!stream) {
    s.err() << "error: cannot write " << part.string() << ": " << std::strerror(errno) << "\n";
    return kExitDownloadFailed;
  }
  Sha256 sha;
  int64_t received = 0;
  std::string target = files_target + "/" + EncodePath(file.path);
  Result<HttpResponse> response = s.http().StreamGet(target, [&](std::string_view chunk) {
    sha.Update(chunk);
    received += static_cast<int64_t>(chunk.size());
    stream.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    return static_cast<bool>(stream);
  });
  stream.close();
  // Whatever went wrong, no partial file stays behind.
  auto fail = [&](int code) {
    std::filesystem::remove(part, ec);
    return code;
  };
  if (!response.ok()) return fail(ReportStatus(s.env(), response.status()));
  if (int code = ExitCodeForHttpStatus(response->status); code != kExitOk) {
    s.err() << FormatApiError(*response) << " (downloading " << file.path << ")\n";
    return fail(code);
  }
  if (!stream) {
    s.err() << "error: cannot write " << part.string() << ": " << std::strerror(errno) << "\n";
    return fail(kExitDownloadFailed);
  }
  if (received != file.size) {
    s.err() << "error: " << file.path << ": received " << received << " bytes, expected "
            << file.size << "; the download is incomplete or corrupt\n";
    return fail(kExitDownloadFailed);
  }
  if (std::string got = sha.HexDigest(); got != file.sha256) {
    s.err() << "error: checksum mismatch for " << file.path << ": expected sha256 " << file.sha256
            << ", got " << got << "\n";
    return fail(kExitDownloadFailed);
  }
  std::filesystem::rename(part, dest, ec);
  if (ec) {
    s.err() << "error: cannot move " << part.string() << " to " << dest.string() << ": "
            << ec.message() << "\n";
    return fail(kExitDownloadFailed);
  }
  return kExitOk;
}

std::string RenderOutputs(const std::vector<Listed>& files) {
  std::vector<std::vector<std::string>> rows = {{"PATH", "SIZE", "SHA256"}};
  for (const Listed& f : files) rows.push_back({f.path, std::to_string(f.size), f.sha256});
  return RenderTable(rows);
}

int RunOutputs(OutputsArgs& args, const ClientEnv& env) {
  auto session = Session::Open(args.flags, env);
  if (auto* failed = std::get_if<CallFailed>(&session)) return failed->exit_code;
  const Session& s = std::get<Session>(session);
  std::string target = JobPath(args.id) + "/tasks/" + UrlEncode(args.task) + "/outputs";
  auto response = s.Call("GET", target);
  if (auto* failed = std::get_if<CallFailed>(&response)) return failed->exit_code;
  auto page = ParseBody(s, std::get<HttpResponse>(response), target);
  if (auto* failed = std::get_if<CallFailed>(&page)) return failed->exit_code;
  auto listed = ParseListing(s, std::get<Json>(page), target);
  if (auto* failed = std::get_if<CallFailed>(&listed)) return failed->exit_code;
  const std::vector<Listed>& files = std::get<std::vector<Listed>>(listed);

  if (args.out_dir.empty()) {
    if (args.flags.json_output()) {
      s.out() << std::get<Json>(page).dump(2) << "\n";
    } else {
      s.out() << RenderOutputs(files);
    }
    return kExitOk;
  }
  int64_t bytes = 0;
  for (const Listed& file : files) {
    std::filesystem::path dest = std::filesystem::path(args.out_dir) / file.path;
    if (int code = Download(s, target, file, dest); code != kExitOk) return code;
    s.out() << dest.string() << "\n";
    bytes += file.size;
  }
  s.err() << "downloaded " << files.size() << (files.size() == 1 ? " file, " : " files, ") << bytes
          << " bytes, into " << args.out_dir << "\n";
  return kExitOk;
}

}  // namespace

void AddOutputsCommand(CLI::App& app, int& exit_code, const EnvPtr& env) {
  auto args = std::make_shared<OutputsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "outputs", "List the files a task kept (outputs.files), or download them with --out");
  cmd->add_option("ID", args->id, "job id")->required();
  cmd->add_option("TASK", args->task, "task name, e.g. fetch or ocr[0]")->required();
  cmd->add_option("--out", args->out_dir,
                  "download every file into DIR/<path>, checking its size and sha256")
      ->type_name("DIR");
  args->flags.AddTo(*cmd, {.output = true});
  cmd->callback([args, env, &exit_code] { exit_code = RunOutputs(*args, *env); });
}

}  // namespace pipegrid::cli

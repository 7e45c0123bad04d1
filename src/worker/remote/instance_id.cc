#include "worker/remote/instance_id.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <fmt/format.h>

#include "worker/posix_util.h"

namespace pipegrid::worker {

Result<std::string> LoadOrCreateInstanceId(const std::string& work_dir) {
  const std::string path = work_dir + "/instance-id";
  {
    std::ifstream in(path);
    std::string id;
    if (in && std::getline(in, id) && !id.empty()) return id;
  }
  std::random_device rd;
  std::string id = fmt::format("{:08x}{:08x}", rd(), rd());
  // Written whole to a temporary file and renamed: a crash never leaves a
  // torn id that would make the worker a stranger to its master.
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus("cannot create " + tmp, errno);
  PG_RETURN_IF_ERROR(WriteAll(fd.get(), id + "\n"));
  if (::fsync(fd.get()) != 0) return ErrnoStatus("cannot sync " + tmp, errno);
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("cannot write " + path, errno);
  return id;
}

}  // namespace pipegrid::worker

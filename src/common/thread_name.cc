#include "common/thread_name.h"

#include <pthread.h>

#include <cstring>
#include <string>

namespace pipegrid {

void NameThisThread(const char* name) {
  // The kernel keeps 15 bytes and a NUL; longer names are refused, not cut.
  std::string cut(name, std::min<size_t>(std::strlen(name), 15));
  ::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace pipegrid

// Names the calling thread (up to 15 characters), so that `top -H`, `ps -L`,
// perf and gdb show which of pipegrid's threads is which.
#pragma once

namespace pipegrid {

void NameThisThread(const char* name);

}  // namespace pipegrid

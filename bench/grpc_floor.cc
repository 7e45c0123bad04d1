// M1 of issue 6: the memory floor of a gRPC C++ client, for bench/m1.sh.
//
// An idle `pipegrid worker` is one gRPC channel holding one bidi stream to
// the master. This program is that and nothing else, built from the same
// Debian grpc++ libraries: its VmRSS is what any worker would pay for gRPC
// alone, the yardstick for the worker's own footprint. It connects (plaintext,
// as on loopback), optionally opens one generic bidi stream on METHOD without
// sending a message, prints what it did, then waits for SIGTERM or SIGINT so
// that its /proc/PID/status can be read.
//
// usage: grpc_floor HOST:PORT [METHOD]   (e.g. /pipegrid.v1.WorkerService/Connect)
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>

namespace {

constexpr int kExitUsage = 64;
constexpr auto kConnectTimeout = std::chrono::seconds(10);

void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: grpc_floor HOST:PORT [METHOD]\n");
    return kExitUsage;
  }
  // Blocked before gRPC starts its threads, which inherit the mask: the
  // sigwait below is then the only one to take the signal.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
    std::fprintf(stderr, "grpc_floor: no connection to %s\n", argv[1]);
    return 1;
  }
  std::printf("connected to %s\n", argv[1]);

  // Declared in this order so that the call goes before what it refers to.
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call;
  void* tag = nullptr;
  bool ok = false;
  if (argc == 3) {
    call = stub.PrepareCall(&context, argv[2], &cq);
    call->StartCall(Tag(1));
    if (cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + kConnectTimeout) !=
            grpc::CompletionQueue::NextStatus::GOT_EVENT ||
        !ok) {
      std::fprintf(stderr, "grpc_floor: could not open a stream on %s\n", argv[2]);
      return 1;
    }
    std::printf("stream open on %s\n", argv[2]);
  }
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop, &signal_number);

  // gRPC asserts on a call destroyed with operations pending: cancel it, let
  // it finish, and drain the queue before returning.
  if (call) {
    grpc::Status status;
    context.TryCancel();
    call->Finish(&status, Tag(2));
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  }
  return 0;
}

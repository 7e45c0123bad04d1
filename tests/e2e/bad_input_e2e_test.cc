// Bad input of every kind gets a clear 4xx JSON error, and the server keeps
// serving and keeps what it had accepted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e_support.h"

namespace pipegrid::e2e {
namespace {

using pipegrid::testing::TempDir;

// Sends raw bytes on a fresh connection and returns what comes back.
std::string RawExchange(const std::string& url, const std::string& bytes) {
  auto colon = url.rfind(':');
  int port = std::stoi(url.substr(colon + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t w = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  (void)w;
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class BadInputE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(dir_.Sub("data"), std::vector<std::string>{"--slots", "0"});
    ASSERT_TRUE(server_->ready());
    // Accepted before the abuse; must still be there after.
    accepted_ = server_->Submit(
        "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: keep}\n"
        "spec:\n  tasks: [{name: t, steps: [{commands: [\"true\"]}]}]\n");
  }
  void TearDown() override {
    EXPECT_EQ(server_->Call("GET", "/healthz").status, 200);
    auto job = server_->GetJob(accepted_);
    EXPECT_EQ(job["state"], "PENDING");
    auto list = server_->Call("GET", "/api/v1/jobs");
    EXPECT_EQ(list.body["items"].size(), 1u) << "a rejected submit stored something";
  }
  void ExpectError(const Server::Reply& r, int status, const std::string& code,
                   const std::string& field = "") {
    EXPECT_EQ(r.status, status) << r.raw;
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    ASSERT_TRUE(r.body.contains("error")) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
    if (!field.empty()) EXPECT_EQ(r.body["error"]["field"], field) << r.raw;
  }
  Server::Reply Post(const std::string& body, const std::string& type = "application/yaml") {
    return server_->Call("POST", "/api/v1/jobs", body, type);
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::string accepted_;
};

TEST_F(BadInputE2E, MalformedYamlAndJson) {
  ExpectError(Post("apiVersion: [unclosed"), 400, "INVALID_ARGUMENT");
  ExpectError(Post("{\"apiVersion\": ", "application/json"), 400, "INVALID_ARGUMENT");
  ExpectError(Post("just a string"), 400, "INVALID_ARGUMENT");
  ExpectError(Post(std::string(100000, '['), "application/json"), 400, "INVALID_ARGUMENT");
}

TEST_F(BadInputE2E, SpecErrorsNameTheField) {
  std::string head = "apiVersion: pipegrid/v1\nkind: Job\nmetadata: {name: bad}\nspec:\n";
  ExpectError(Post(head + "  tasks: []\n"), 400, "INVALID_ARGUMENT", "spec.tasks");
  ExpectError(Post(head + "  bogus: 1\n  tasks: [{name: t, steps: [{commands: [x]}]}]\n"), 400,
              "INVALID_ARGUMENT", "spec.bogus");
  ExpectError(Post(head + "  tasks:\n    - {name: a, steps: [{commands: [x]}]}\n"
                          "    - {name: a, steps: [{commands: [x]}]}\n"),
              400, "INVALID_ARGUMENT", "spec.tasks[1].name");
  ExpectError(Post(head + "  tasks:\n    - {name: a, dependsOn: [zz], steps: [{commands: [x]}]}\n"),
              400, "INVALID_ARGUMENT", "spec.tasks[0].dependsOn[0]");
  ExpectError(Post(head + "  tasks:\n    - {name: 'bad name', steps: [{commands: [x]}]}\n"), 400,
              "INVALID_ARGUMENT", "spec.tasks[0].name");
  ExpectError(Post(head + "  timeout: soon\n  tasks: [{name: t, steps: [{commands: [x]}]}]\n"),
              400, "INVALID_ARGUMENT", "spec.timeout");
  auto cycle = Post(head + "  tasks:\n    - {name: a, dependsOn: [b], steps: [{commands: [x]}]}\n"
                           "    - {name: b, dependsOn: [a], steps: [{commands: [x]}]}\n");
  ExpectError(cycle, 400, "INVALID_ARGUMENT");
  std::string message = cycle.body["error"]["message"];
  EXPECT_NE(message.find("a -> b -> a"), std::string::npos) << message;
}

TEST_F(BadInputE2E, BodyTooLargeAndWrongContentType) {
  std::string huge = "apiVersion: pipegrid/v1\n#" + std::string(5 << 20, 'x') + "\n";
  ExpectError(Post(huge), 413, "RESOURCE_EXHAUSTED");
  ExpectError(Post("{}", "text/html"), 415, "INVALID_ARGUMENT");
}

TEST_F(BadInputE2E, UnknownRoutesMethodsAndIds) {
  ExpectError(server_->Call("GET", "/api/v1/nothing"), 404, "NOT_FOUND");
  ExpectError(server_->Call("PUT", "/api/v1/jobs"), 405, "INVALID_ARGUMENT");
  ExpectError(server_->Call("GET", "/api/v1/jobs/NOPE"), 404, "NOT_FOUND");
  ExpectError(server_->Call("POST", "/api/v1/jobs/NOPE/cancel"), 404, "NOT_FOUND");
  ExpectError(server_->Call("GET", "/api/v1/jobs?state=BOGUS"), 400, "INVALID_ARGUMENT");
  ExpectError(server_->Call("GET", "/api/v1/jobs?limit=5000"), 400, "INVALID_ARGUMENT");
  ExpectError(server_->Call("DELETE", "/api/v1/jobs/" + accepted_), 409, "FAILED_PRECONDITION");
}

TEST_F(BadInputE2E, GarbageOnTheWire) {
  std::string reply = RawExchange(server_->url(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(reply.find(" 400 "), std::string::npos) << reply;
  reply = RawExchange(server_->url(), std::string("\x00\x01\x02\xff\r\n\r\n", 8));
  EXPECT_EQ(reply.find(" 200 "), std::string::npos) << reply;
  // Half a request, then the client goes away.
  RawExchange(server_->url(), "POST /api/v1/jobs HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
}

}  // namespace
}  // namespace pipegrid::e2e

// GET /deadletters: tasks whose retries are used up, paged by task id.
// Requeueing one is a command (command_routes.cc).
#include <string>

#include "api/errors.h"
#include "api/json_views.h"
#include "api/list_params.h"
#include "api/routes.h"

namespace pipegrid::api {
namespace {

Result<nlohmann::json> ListDeadLetters(store::Store& store, const Request& request) {
  PG_ASSIGN_OR_RETURN(store::DeadLetterFilter filter, ParseDeadLetterFilter(request));
  int limit = filter.limit;
  filter.limit = limit + 1;  // one more than asked: is there another page?
  PG_ASSIGN_OR_RETURN(std::vector<store::DeadLetterRecord> letters, store.ListDeadLetters(filter));
  std::optional<std::string> token =
      TakePage(letters, limit, [](const store::DeadLetterRecord& d) { return d.task_id; });
  nlohmann::json items = nlohmann::json::array();
  for (const store::DeadLetterRecord& d : letters) items.push_back(DeadLetterJson(d));
  return ListJson(std::move(items), token);
}

}  // namespace

void AddDeadLetterReadRoutes(Router& router, store::Store& store) {
  router.Add(http::verb::get, std::string(kApiPrefix) + "/deadletters",
             [&store](const Request& request, Responder r) {
               r.Send(JsonOrError(ListDeadLetters(store, request)));
             });
}

}  // namespace pipegrid::api

// BuildDag: edges both ways, a stable topological order, roots, and errors.
#include "spec/dag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace pipegrid::spec {
namespace {

using ::pipegrid::testing::IsOk;
using ::pipegrid::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Tasks given as {name, dependsOn...}.
JobSpec Spec(std::initializer_list<std::vector<std::string>> tasks) {
  JobSpec s;
  s.name = "j";
  for (const std::vector<std::string>& t : tasks) {
    Task task;
    task.name = t[0];
    task.depends_on.assign(t.begin() + 1, t.end());
    task.steps = {{"shell", {"true"}}};
    s.tasks.push_back(std::move(task));
  }
  return s;
}

TEST(BuildDagTest, DiamondHasEdgesBothWaysAndOrder) {
  // a -> {b, c} -> d
  Result<Dag> dag = BuildDag(Spec({{"a"}, {"b", "a"}, {"c", "a"}, {"d", "b", "c"}}));
  ASSERT_THAT(dag, IsOk());
  EXPECT_THAT(dag->deps[0], IsEmpty());
  EXPECT_THAT(dag->deps[3], ElementsAre(1, 2));
  EXPECT_THAT(dag->dependents[0], ElementsAre(1, 2));
  EXPECT_THAT(dag->dependents[1], ElementsAre(3));
  EXPECT_THAT(dag->dependents[3], IsEmpty());
  EXPECT_THAT(dag->roots, ElementsAre(0));
  EXPECT_THAT(dag->topo_order, ElementsAre(0, 1, 2, 3));
}

TEST(BuildDagTest, TopologicalOrderBreaksTiesBySpecOrder) {
  // Declared out of dependency order: c needs a; b and e are independent.
  Result<Dag> dag = BuildDag(Spec({{"c", "a"}, {"a"}, {"b"}, {"d", "c", "b"}, {"e"}}));
  ASSERT_THAT(dag, IsOk());
  EXPECT_THAT(dag->roots, ElementsAre(1, 2, 4));
  // a first (the earliest ready), then c (index 0) becomes ready and precedes b.
  EXPECT_THAT(dag->topo_order, ElementsAre(1, 0, 2, 3, 4));
}

TEST(BuildDagTest, IndependentTasksKeepSpecOrder) {
  Result<Dag> dag = BuildDag(Spec({{"z"}, {"y"}, {"x"}}));
  ASSERT_THAT(dag, IsOk());
  EXPECT_THAT(dag->topo_order, ElementsAre(0, 1, 2));
  EXPECT_THAT(dag->roots, ElementsAre(0, 1, 2));
}

TEST(BuildDagTest, CycleMessageStartsAtTheFirstTaskOfTheCycle) {
  // x hangs off the cycle b -> c -> d -> b and is not part of it.
  Result<Dag> dag = BuildDag(Spec({{"x", "c"}, {"b", "c"}, {"c", "d"}, {"d", "b"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().message(), "dependency cycle: b -> c -> d -> b");
  EXPECT_EQ(dag.status().field(), "spec.tasks[1].dependsOn");
}

TEST(BuildDagTest, TwoTaskCycle) {
  Result<Dag> dag = BuildDag(Spec({{"a", "b"}, {"b", "a"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().message(), "dependency cycle: a -> b -> a");
  EXPECT_EQ(dag.status().field(), "spec.tasks[0].dependsOn");
}

TEST(BuildDagTest, SelfDependencyIsACycle) {
  Result<Dag> dag = BuildDag(Spec({{"a"}, {"b", "a", "b"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().message(), "dependency cycle: b -> b");
  EXPECT_EQ(dag.status().field(), "spec.tasks[1].dependsOn");
}

TEST(BuildDagTest, LongCycleMessageIsElided) {
  JobSpec s;
  for (int i = 0; i < 500; ++i) {
    Task t;
    t.name = "t" + std::to_string(i);
    t.depends_on = {"t" + std::to_string((i + 1) % 500)};
    s.tasks.push_back(std::move(t));
  }
  Result<Dag> dag = BuildDag(s);
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().message(),
            "dependency cycle of 500 tasks: t0 -> t1 -> t2 -> t3 -> t4 -> t5 -> t6 -> t7 -> t8 "
            "-> t9 -> ... -> t0");
  EXPECT_EQ(dag.status().field(), "spec.tasks[0].dependsOn");
}

TEST(BuildDagTest, UnknownDependencyNamesTheEntry) {
  Result<Dag> dag = BuildDag(Spec({{"a"}, {"b", "a", "nope"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().message(), "unknown task \"nope\" in dependsOn of \"b\"");
  EXPECT_EQ(dag.status().field(), "spec.tasks[1].dependsOn[1]");
}

TEST(BuildDagTest, DuplicateDependencyIsRejected) {
  Result<Dag> dag = BuildDag(Spec({{"a"}, {"b", "a", "a"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().field(), "spec.tasks[1].dependsOn[1]");
}

TEST(BuildDagTest, DuplicateTaskNameInAHandBuiltSpecIsRejected) {
  Result<Dag> dag = BuildDag(Spec({{"a"}, {"a"}}));
  ASSERT_THAT(dag, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(dag.status().field(), "spec.tasks[1].name");
}

TEST(BuildDagTest, LongChainAndWideFanOut) {
  constexpr int kN = 10000;
  JobSpec chain;
  JobSpec fan;
  for (int i = 0; i < kN; ++i) {
    Task t;
    t.name = "t" + std::to_string(i);
    Task f = t;
    if (i > 0) t.depends_on = {"t" + std::to_string(i - 1)};
    if (i > 0) f.depends_on = {"t0"};
    chain.tasks.push_back(std::move(t));
    fan.tasks.push_back(std::move(f));
  }
  Result<Dag> c = BuildDag(chain);
  ASSERT_THAT(c, IsOk());
  ASSERT_EQ(c->topo_order.size(), size_t{kN});
  for (int i = 0; i < kN; ++i) EXPECT_EQ(c->topo_order[i], i);
  EXPECT_THAT(c->roots, ElementsAre(0));

  Result<Dag> f = BuildDag(fan);
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->dependents[0].size(), size_t{kN - 1});
  EXPECT_EQ(f->topo_order.front(), 0);
  EXPECT_EQ(f->topo_order.back(), kN - 1);
}

}  // namespace
}  // namespace pipegrid::spec

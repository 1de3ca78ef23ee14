// The template app of the providers' warm pools (local, Daytona), and the rule
// for which generated projects may take over a sandbox started from it. Pure
// functions over lib/scaffold projects; thread-safe.
#ifndef SANDBOXD_LIB_SCAFFOLD_WARM_TEMPLATE_H_
#define SANDBOXD_LIB_SCAFFOLD_WARM_TEMPLATE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/scaffold/scaffold.h"
#include "lib/scaffold/stack.h"

namespace sandboxd::scaffold {

// The text the template page renders (tests look for it).
inline constexpr char kWarmTemplateMarker[] = "sandboxd warm template";

// The template project for one Tailwind major: the frontend's shape (page,
// layout, globals.css) on the default stack plus the libraries models
// commonly import (icons, class helpers, animation), in DEV mode, carrying
// `generation_token`.
absl::StatusOr<Project> WarmTemplate(TailwindMajor tailwind,
                                     std::string_view generation_token);

// Empty when every dependency in `wanted` (name -> spec) is in `installed`
// (name -> the spec it was installed from) with a spec that `wanted`
// accepts: the same text, or a pinned version inside the wanted range.
// Otherwise says which one is missing or mismatched.
std::string MissingDependency(
    const std::map<std::string, std::string>& installed,
    const std::map<std::string, std::string>& wanted);

// The dependencies of `wanted` (name -> spec) that `installed` lacks.
// FAILED_PRECONDITION, naming the package, if one is installed with a
// version the wanted spec does not accept: a change, not an addition.
absl::StatusOr<std::map<std::string, std::string>> DependencyAdditions(
    const std::map<std::string, std::string>& installed,
    const std::map<std::string, std::string>& wanted);

// "name@spec, ..." for logs of what is added to a running sandbox.
std::string DescribeAdditions(
    const std::map<std::string, std::string>& additions);

// How many packages a create may add to a pooled sandbox (each is
// installed into it before the files are synced; more than this and a
// cold start with a full install is as fast).
inline constexpr size_t kMaxWarmAdditions = 8;

// Whether `project` can take over a running sandbox started from `warm`.
struct WarmFit {
  // Empty when it can. Otherwise: a config file the dev server reads at
  // start differs (next, PostCSS, Tailwind, TypeScript config; `next dev`
  // restarts or mis-compiles on those), the app environment differs, a
  // dependency is pinned in the template to a version its spec does not
  // accept, or more than kMaxWarmAdditions dependencies are missing.
  std::string misfit;
  // When it fits: the dependencies (name -> spec) the template lacks, to be
  // added to the claimed sandbox before the project's files are synced.
  std::map<std::string, std::string> additions;

  bool fits() const { return misfit.empty(); }
};
WarmFit FitWarm(const Project& warm, const Project& project);

// What TakeFirstFit took: the slot (none when nothing fits), the packages
// to add to it, and otherwise why the last slot did not fit.
template <class Slot>
struct TakenSlot {
  std::optional<Slot> slot;
  std::map<std::string, std::string> additions;
  std::string why = "the warm pool is empty";
};

// Moves the first of `slots` that `fit(slot)` (a WarmFit) accepts out of
// the vector. The providers' pools share it; the caller holds their lock.
template <class Slot, class FitFn>
TakenSlot<Slot> TakeFirstFit(std::vector<Slot>& slots, const FitFn& fit) {
  TakenSlot<Slot> taken;
  for (auto it = slots.begin(); it != slots.end(); ++it) {
    WarmFit verdict = fit(*it);
    if (verdict.fits()) {
      taken.slot = std::move(*it);
      taken.additions = std::move(verdict.additions);
      slots.erase(it);
      return taken;
    }
    taken.why = std::move(verdict.misfit);
  }
  return taken;
}

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_WARM_TEMPLATE_H_

// lib/scaffold: the pinned default stack (Next.js, React, TypeScript,
// Tailwind) that every assembled project gets. The one place to bump versions.
// Constants only; safe to use from any thread.
#ifndef SANDBOXD_LIB_SCAFFOLD_STACK_H_
#define SANDBOXD_LIB_SCAFFOLD_STACK_H_

namespace sandboxd::scaffold {

// Exact versions (checked with `npm view <pkg>@<major> version`), so builds
// are reproducible and the dependency fingerprint is stable.
inline constexpr char kNextVersion[] = "16.4.6";
inline constexpr char kReactVersion[] = "19.3.1";
inline constexpr char kTypeScriptVersion[] = "5.9.3";
inline constexpr char kTypesReactVersion[] = "19.3.0";
inline constexpr char kTypesReactDomVersion[] = "19.3.0";
inline constexpr char kTypesNodeVersion[] = "20.19.43";
// Tailwind 4 with its PostCSS plugin (CSS with `@import "tailwindcss"`, or
// no Tailwind CSS at all).
inline constexpr char kTailwind4Version[] = "4.3.5";
// Tailwind 3 with PostCSS + Autoprefixer (CSS with `@tailwind` directives).
inline constexpr char kTailwind3Version[] = "3.4.19";
inline constexpr char kPostCssVersion[] = "8.5.33";
inline constexpr char kAutoprefixerVersion[] = "10.7.0";

// Which Tailwind major the project's CSS is written for.
enum class TailwindMajor { kV3, kV4 };

// 3 or 4, for logs.
inline int MajorNumber(TailwindMajor tailwind) {
  return tailwind == TailwindMajor::kV3 ? 3 : 4;
}

}  // namespace sandboxd::scaffold

#endif  // SANDBOXD_LIB_SCAFFOLD_STACK_H_

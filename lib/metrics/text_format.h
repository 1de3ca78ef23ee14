// Pieces of the Prometheus text exposition format 0.0.4: escaping and number
// formatting. Used by the metric families when they render.
#ifndef SANDBOXD_LIB_METRICS_TEXT_FORMAT_H_
#define SANDBOXD_LIB_METRICS_TEXT_FORMAT_H_

#include <string>
#include <string_view>

namespace sandboxd::metrics_internal {

// Appends `help` with `\` and newline escaped, as HELP lines require.
void AppendEscapedHelp(std::string& out, std::string_view help);

// Appends `value` with `\`, `"` and newline escaped, as label values require.
void AppendEscapedLabelValue(std::string& out, std::string_view value);

// Appends a sample value: shortest round-trip decimal, or +Inf, -Inf, NaN.
void AppendSampleValue(std::string& out, double value);

// True if `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);

// True if `name` matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with "__".
bool IsValidLabelName(std::string_view name);

}  // namespace sandboxd::metrics_internal

#endif  // SANDBOXD_LIB_METRICS_TEXT_FORMAT_H_

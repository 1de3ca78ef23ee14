#include "lib/scaffold/templates.h"

#include "absl/strings/str_cat.h"
#include "lib/scaffold/json_util.h"

namespace sandboxd::scaffold {

std::string RootLayoutTemplate() {
  return R"(import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Generated App",
};

export default function RootLayout({
  children,
}: Readonly<{ children: ReactNode }>) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
)";
}

std::string GlobalsCssTemplate(TailwindMajor tailwind) {
  if (tailwind == TailwindMajor::kV3) {
    return "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n";
  }
  return "@import \"tailwindcss\";\n";
}

std::string PostCssConfigTemplate(TailwindMajor tailwind) {
  if (tailwind == TailwindMajor::kV3) {
    return R"(const config = {
  plugins: {
    tailwindcss: {},
    autoprefixer: {},
  },
};

export default config;
)";
  }
  return R"(const config = {
  plugins: {
    "@tailwindcss/postcss": {},
  },
};

export default config;
)";
}

std::string TailwindConfigTemplate(
    const std::vector<std::string>& content_dirs) {
  std::string content;
  for (const std::string& dir : content_dirs) {
    std::string glob =
        dir == "." ? "./*.{js,ts,jsx,tsx,mdx,html}"
                   : absl::StrCat("./", dir, "/**/*.{js,ts,jsx,tsx,mdx,html}");
    absl::StrAppend(&content, "    ", JsonQuote(glob), ",\n");
  }
  return absl::StrCat(R"(import type { Config } from "tailwindcss";

const config: Config = {
  content: [
)",
                      content, R"(  ],
  theme: {
    extend: {},
  },
  plugins: [],
};

export default config;
)");
}

std::string NextConfigTemplate(const std::vector<Rewrite>& rewrites) {
  std::string rewrite_block;
  if (!rewrites.empty()) {
    rewrite_block = "  async rewrites() {\n    return [\n";
    for (const auto& [source, destination] : rewrites) {
      absl::StrAppend(&rewrite_block, "      { source: ", JsonQuote(source),
                      ", destination: ", JsonQuote(destination), " },\n");
    }
    rewrite_block += "    ];\n  },\n";
  }
  // The build cache flag is next 16's default, spelled out because seeding
  // `.next/cache` (lib/local) relies on it. One text for DEV and PRODUCTION.
  return absl::StrCat(R"(/** @type {import("next").NextConfig} */
const nextConfig = {
  images: { unoptimized: true },
  experimental: { turbopackFileSystemCacheForBuild: true },
)",
                      rewrite_block, R"(};

export default nextConfig;
)");
}

std::string TsConfigTemplate(absl::string_view alias_dir) {
  std::string alias =
      alias_dir == "." ? "./*" : absl::StrCat("./", alias_dir, "/*");
  return absl::StrCat(R"({
  "compilerOptions": {
    "target": "ES2017",
    "lib": ["dom", "dom.iterable", "esnext"],
    "allowJs": true,
    "skipLibCheck": true,
    "strict": false,
    "noEmit": true,
    "esModuleInterop": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "isolatedModules": true,
    "jsx": "react-jsx",
    "incremental": true,
    "plugins": [{ "name": "next" }],
    "paths": { "@/*": [)",
                      JsonQuote(alias), R"(] }
  },
  "include": [
    "next-env.d.ts",
    "**/*.ts",
    "**/*.tsx",
    ".next/types/**/*.ts",
    ".next/dev/types/**/*.ts"
  ],
  "exclude": ["node_modules"]
}
)");
}

std::string GitignoreTemplate() {
  return "node_modules/\n.next/\nnext-env.d.ts\n*.tsbuildinfo\n";
}

}  // namespace sandboxd::scaffold

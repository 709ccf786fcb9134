#!/usr/bin/env bash
# Type check, and formatting of TypeScript (prettier) and C++ (clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
# tsconfig.test.json: src/ and the tests (vitest runs them without type checking)
npx tsc -p tsconfig.test.json
npx prettier --check 'src/**/*.ts' 'test/**/*.ts' 'bench/**/*.mjs' 'scripts/**/*.mjs' 'scripts/**/*.cjs'
git ls-files -z 'native/*.cc' 'native/*.h' | xargs -0 clang-format --dry-run --Werror
echo "lint: clean"

#!/bin/sh
# Rebuilds the engine prototypes and prints the size table of bench/README.md
# ("Engine: sans-IO or lean async"). Run from anywhere: sh bench/engine-proto/measure.sh
# Needs: the wasm32-unknown-unknown target, node_modules (wasm-opt, esbuild); for the current-build
# rows, ./x build (target/wasm-bindgen/cos_wasm_opt.wasm, pkg/).
set -e
cd "$(dirname "$0")"
ROOT=../..
# The flags ./x build gives wasm-opt.
OPT="$ROOT/node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue"
mkdir -p target/opt
build() { # output name, package, features
  cargo build --quiet --offline --release --target wasm32-unknown-unknown -p "proto-$2" ${3:+--features "$3"}
  $OPT "target/wasm32-unknown-unknown/release/proto_$2.wasm" -o "target/opt/$1.wasm"
}
build core core
build core-full core full
for e in sansio lean; do
  build "$e" "$e"
  build "$e-resume" "$e" resume
  build "$e-simple6" "$e" simple
  build "$e-simple12" "$e" more
  build "$e-all" "$e" more,resume
done
# The sans-IO page's JS: driver + browser host + wasm loader, minified as pkg-template/build.mjs does.
"$ROOT/node_modules/.bin/esbuild" host-web.mjs --bundle --minify --format=esm --log-level=warning --outfile=target/opt/driver-web.min.js
node sizes.mjs

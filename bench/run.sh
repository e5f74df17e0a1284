#!/usr/bin/env bash
# Builds Cadence and the bench in Release, generates the synthetic inputs if missing (Defender
# exports and a Zeek conn.log), and prints the Markdown result tables on stdout (build and
# progress output goes to stderr).
#
#   bench/run.sh                       # Defender 1M and 5M rows, Zeek 1M records; 5 runs after 1 warm-up
#   RUNS=10 bench/run.sh               # more runs
#   SIZES="1000000" bench/run.sh       # only the 1M Defender file (and the Zeek file)
#   SIZES="" bench/run.sh              # only the Zeek file
#   ZEEK_SIZES="" bench/run.sh         # no Zeek file
#
# Generated files are cached in bench/data/ (gitignored); delete them after changing the generator.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"
WARMUP="${WARMUP:-1}"
SIZES="${SIZES-1000000 5000000}"
ZEEK_SIZES="${ZEEK_SIZES-1000000}"
SEED="${SEED:-1}"
BENCH=bench/Cadence.Bench/bin/Release/net10.0/Cadence.Bench

# Cadence is measured as it ships: a native-AOT binary (no JIT warm-up inside the timed run),
# compiled for this CPU's instruction set like DuckDB's own build picks its kernels at run time.
# CADENCE=path overrides (for example the JIT build, src/Cadence.Cli/bin/Release/net10.0/cadence).
if [[ -z "${CADENCE:-}" ]]; then
    CADENCE=bench/bin/cadence-aot/cadence
    dotnet publish src/Cadence.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=native \
        -o bench/bin/cadence-aot -nologo -v quiet >&2
fi
dotnet build bench/Cadence.Bench -c Release -nologo -v quiet >&2

files=()
for rows in $SIZES; do
    if (( rows % 1000000 == 0 )); then label="$((rows / 1000000))m"; else label="$rows"; fi
    file="bench/data/dne-${label}.csv"
    if [[ ! -f "$file" ]]; then
        "$BENCH" generate --rows "$rows" --out "$file" --seed "$SEED" >&2
    fi
    files+=("$file")
done
for rows in $ZEEK_SIZES; do
    if (( rows % 1000000 == 0 )); then label="$((rows / 1000000))m"; else label="$rows"; fi
    file="bench/data/conn-${label}.log"
    if [[ ! -f "$file" ]]; then
        "$BENCH" generate-zeek --rows "$rows" --out "$file" --seed "$SEED" >&2
    fi
    files+=("$file")
done

"$BENCH" run --cadence "$CADENCE" --runs "$RUNS" --warmup "$WARMUP" "${files[@]}"

#!/usr/bin/env bash
# Stage what the GPU benchmark's device calls carry (bench/GPU.md) in the git-ignored folder .gpu/:
#   .gpu/wheels  CTranslate2 and faster-whisper wheels for the device's Python 3.12 (x86-64)
#   .gpu/base    the bundled base model's small files and the SHA-256 of its model.bin
#   .gpu/m1..m3  model.bin in pieces, so that no call carries more than ~58 MB
#   .gpu/audio   espeak-ng speech (bench/transcription_bench.py's sentences) and its reference text
# Usage: bash bench/gpu_stage.sh [MINUTES]   (default 10; needs espeak-ng and PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
python=${PYTHON:-.venv/bin/python}
piece_bytes=${PIECE_BYTES:-57000000}  # m1 and m2; m3 holds the rest and travels with the audio

command -v espeak-ng >/dev/null || { echo "espeak-ng is missing: apt-get install -y espeak-ng" >&2; exit 1; }
mkdir -p .git/info
grep -qxF '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
rm -rf .gpu
mkdir -p .gpu/wheels .gpu/base .gpu/audio .gpu/m1 .gpu/m2 .gpu/m3
git check-ignore -q .gpu/base || { echo ".gpu/ is not ignored by git" >&2; exit 1; }

# The versions this project runs: faster-whisper as requirements.txt pins it, CTranslate2 as installed here.
whisper_version=$(sed -n 's/^faster-whisper==//p' requirements.txt)
ct2_version=$("$python" -c 'from importlib.metadata import version; print(version("ctranslate2"))')
echo "== wheels: ctranslate2==$ct2_version faster-whisper==$whisper_version (cp312, manylinux x86-64)"
"$python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .gpu/wheels "ctranslate2==$ct2_version" "faster-whisper==$whisper_version"
for wheel in .gpu/wheels/*.whl; do
  echo "$(basename "$wheel") needs: $(unzip -p "$wheel" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: //p' \
    | grep -v 'extra ==' | tr '\n' ';')"
done

echo "== model: the engine's joined bundled model"
model=$(DJANGO_SETTINGS_MODULE=config.settings_test "$python" -c '
import django; django.setup()
from pathlib import Path
from django.conf import settings
from transcription.engine import model_location, resolve_config
print(model_location(resolve_config().model, Path(settings.WHISPER_MODELS_DIR)))' | tail -1)
echo "$model"
for name in config.json tokenizer.json vocabulary.txt preprocessor_config.json; do
  if [ -f "$model/$name" ]; then cp "$model/$name" .gpu/base/; fi
done
(cd "$model" && sha256sum model.bin) >.gpu/base/model.bin.sha256
split -b "$piece_bytes" -d -a 2 "$model/model.bin" .gpu/model.bin.part-
set -- .gpu/model.bin.part-*
[ $# -eq 3 ] || { echo "expected model.bin in 3 pieces, got $#: set PIECE_BYTES" >&2; exit 1; }
mv .gpu/model.bin.part-00 .gpu/m1/ && mv .gpu/model.bin.part-01 .gpu/m2/ && mv .gpu/model.bin.part-02 .gpu/m3/

echo "== audio: $minutes minutes of espeak-ng speech"
"$python" - "$minutes" <<'PY'
import sys
from pathlib import Path

sys.path[:0] = [".", "bench"]
from transcription_bench import reference_sentences, synthesize_file

sentences = reference_sentences(float(sys.argv[1]))
seconds = synthesize_file(sentences, Path(".gpu/audio/speech.wav"))
Path(".gpu/audio/speech.txt").write_text(" ".join(sentences) + "\n", encoding="utf-8")
print(f"{seconds / 60:.2f} min, {len(' '.join(sentences).split())} words")
PY

echo "== sizes (bytes; a call may carry ~58 MB besides the ~4.3 MB working tree, 64 MiB in all)"
for folder in wheels base m1 m2 m3 audio; do printf '%-8s %10d\n' "$folder" "$(du -sb ".gpu/$folder" | cut -f1)"; done
size() { du -scb "$@" | tail -1 | cut -f1; }
printf 'call 1 (wheels+base) %10d\ncall 2 (m1)           %10d\ncall 3 (m2)           %10d\ncall 4 (m3+audio)     %10d\n' \
  "$(size .gpu/wheels .gpu/base)" "$(size .gpu/m1)" "$(size .gpu/m2)" "$(size .gpu/m3 .gpu/audio)"

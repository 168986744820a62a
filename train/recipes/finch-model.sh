#!/usr/bin/env bash
# Reproduces the embedded default model: the project's own teacher (pretrained self-supervised,
# fine-tuned on the finch annotations and on field mixes of them) distilled into the `recorder`
# student, whose event rules are then tuned on held-out field mixes (docs/quality.md), on
# permissively licensed data only (../shared/data: finch-bird0 CC BY 4.0, soundscapes BSD-3/MIT).
# The finch validation files and the `jura` soundscapes stay out of every step: they make the
# clean validation and the dev field-mix sets of docs/quality.md.
#
#   train/recipes/finch-model.sh [RUNS]     (default RUNS=runs)
#
# The teacher takes about an hour on 2 cores; the embedded default's teacher was made by these
# same commands on an H200 (DEVICE=gpu, a build with --features gpu). The student takes about
# 40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
D=$(realpath ../shared/data/finch-bird0)
U=../shared/data/unlabeled
P=target/release/hark-train
DEVICE=${DEVICE:-cpu}
BACKGROUNDS=(--noise $U/opensoundscape --noise $U/birdvox --noise $U/great_tit)
[[ $DEVICE == cpu ]] && cargo build --release -p hark-train

# Field mixes of training-split song in the training soundscapes, whose own birds are negatives.
$P synth --calls $D --split train --backgrounds $U/opensoundscape --backgrounds $U/birdvox \
    --backgrounds $U/great_tit --out $RUNS/trainmix --files 40 --seconds 30 --seed 3
# One annotated folder (FOLDER) of the finch training files (all but the 12 validation files
# that `hark-train` holds out of finch-bird0, as its split.json lists them) and the mixes (MIXES).
field_folder() {
    local folder=$1 mixes=$2 validation=" 15 18 2 20 34 38 43 5 51 54 8 9 "
    mkdir -p $folder/finch $folder/mix
    for wav in $D/wav/*.wav; do
        n=$(basename "$wav" .wav)
        [[ $validation == *" $n "* ]] && continue
        ln -sf "$wav" "$D/wav/$n.Table.1.selections.txt" $folder/finch/
    done
    ln -sf "$(realpath $mixes/wav)"/* $folder/mix/
}
T=$RUNS/field-train
field_folder $T $RUNS/trainmix

# The teacher: data2vec-2.0 pretraining, then fine-tuning with the sigmoid focal loss on the
# annotated folder (600 steps, then resumed to 1200: the cosine schedule restarts at step 600).
$P pretrain --audio $U/opensoundscape --audio $U/birdvox --audio $U/great_tit --data $D \
    --out $RUNS/pretrain --steps 600 --seed 1 --top-k 1 --device $DEVICE
TEACHER=(finetune --init $RUNS/pretrain --data $T --class-name syllable "${BACKGROUNDS[@]}"
    --out $RUNS/teacher --eval-every 100 --warmup 50 --seed 1 --device $DEVICE)
$P "${TEACHER[@]}" --steps 600
$P "${TEACHER[@]}" --steps 1200 --resume
$P export --run $RUNS/teacher --teacher --out $RUNS/teacher.onnx

# The student's soundscapes, split by file: most of them train it (its background noise and the
# soundscapes of its field mixes); a warbler clip, a flight-call clip and the nine great tit songs
# of site SW83 are kept out, to tune its event rules in.
A=$RUNS/soundscapes-train; B=$RUNS/soundscapes-tune
rm -rf $A $B; mkdir -p $A $B
for f in $(realpath $U)/{opensoundscape,birdvox,great_tit}/*.wav; do
    case $(basename $f) in
        birds_10s.wav | fd79e55d-* | 2021-SW83-*) ln -s $f $B/ ;;
        *) ln -s $f $A/ ;;
    esac
done
$P synth --calls $D --split train --backgrounds $A --out $RUNS/trainmix-a --files 40 --seconds 30 \
    --seed 3
S=$RUNS/field-train-a
field_folder $S $RUNS/trainmix-a

# The student: the finch training files and the field mixes, labels weighted 0.8 against the
# teacher's 0.2 except on syllable frames, which keep their label (--keep-positives: this
# teacher finds only a third of the song in field mixes, so it may only soften the negatives);
# the training soundscapes as background noise. 2000 steps, then resumed to 4000 (the cosine
# schedule restarts at step 2000); the best validation F1 of its held-out files is exported.
STUDENT=(distill --teacher $RUNS/teacher.onnx --data $S --class-name syllable --hard-weight 0.8
    --keep-positives --noise $A --out $RUNS/student-field --warmup 100 --eval-every 200 --seed 1
    --cache $RUNS/teacher-cache)
$P "${STUDENT[@]}" --steps 2000
$P "${STUDENT[@]}" --steps 4000 --resume
$P export --run $RUNS/student-field --out $RUNS/student-field.onnx

# Its event rules, tuned on field mixes of the seven finch files its run held out (split.json)
# in the tuning soundscapes: song and soundscapes it never trained on.
C=$RUNS/tune-calls
mkdir -p $C
for n in 10 27 39 40 41 46 59; do
    ln -sf $D/wav/$n.wav $D/wav/$n.Table.1.selections.txt $C/
done
$P synth --calls $C --split all --backgrounds $B --out $RUNS/tunemix-c --files 30 --seconds 30 \
    --seed 11
$P rules --model $RUNS/student-field.onnx --data $RUNS/tunemix-c/wav \
    --out runtime/models/finch.onnx

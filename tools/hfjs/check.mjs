// check.mjs compares the token ids of token directories written by
// `workbench data encode` with those Hugging Face's tokenizers.js computes
// from the same tokenizer.json, and checks that decoding gives the text
// back (byte-level tokenizers only; WordPiece is lossy).
//
//   npm install @huggingface/tokenizers@0.2.0
//   node tools/hfjs/check.mjs TEXT_FILE TOKEN_DIR...
//
// Each TOKEN_DIR must have been written from TEXT_FILE alone (one file is
// split by bytes, so train.bin holds the ids of the first train.bytes bytes).
import { Tokenizer } from "@huggingface/tokenizers";
import fs from "fs";

const [textFile, ...dirs] = process.argv.slice(2);
if (!textFile || dirs.length === 0) {
  console.error("usage: node check.mjs TEXT_FILE TOKEN_DIR...");
  process.exit(2);
}
const text = fs.readFileSync(textFile);
let failed = false;
for (const dir of dirs) {
  const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
  const meta = read("meta.json");
  const tok = new Tokenizer(read("tokenizer.json"), read("tokenizer_config.json"));
  const bin = fs.readFileSync(`${dir}/train.bin`);
  const width = meta.dtype === "uint16" ? 2 : 4;
  const ours = [];
  for (let i = 0; i < bin.length; i += width) ours.push(width === 2 ? bin.readUInt16LE(i) : bin.readUInt32LE(i));
  const train = text.subarray(0, meta.train.bytes).toString("utf8");
  const theirs = tok.encode(train, { add_special_tokens: false }).ids;
  let diff = -1;
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (ours[i] !== theirs[i]) { diff = i; break; }
  }
  const roundTrip = tok.decode(ours) === train;
  const ok = diff < 0 && (roundTrip || meta.tokenizer === "wordpiece");
  failed ||= !ok;
  console.log(`${dir}: ${meta.tokenizer}, ${ours.length} ids, tokenizers.js ${theirs.length}, ` +
    (diff < 0 ? "identical" : `first difference at ${diff}`) + `, decode gives the text back: ${roundTrip}`);
}
process.exit(failed ? 1 : 0);

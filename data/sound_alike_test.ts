import { assert } from "../deps/assert.ts";
import {
  englishSkeleton,
  kanaSkeleton,
  SOUND_ALIKE_THRESHOLD,
  soundAlikeScore,
  soundsAlike,
} from "./sound_alike.ts";

Deno.test("englishSkeleton() reads digraphs and collapses doubled letters", () => {
  const classes = (w: string) => englishSkeleton(w).map((c) => c.classes).join(" ");
  assert.equal(classes("box"), "P K S");
  assert.equal(classes("coffee"), "K PH");
  assert.equal(classes("cell"), "S R");
  assert.equal(classes("knight"), "N T");
  assert.equal(classes("accept"), "K S P T");
});

Deno.test("kanaSkeleton() keeps consonants and drops vowels, small kana and ー", () => {
  assert.equal(kanaSkeleton("コンピューター"), "KNPT");
  assert.equal(kanaSkeleton("キャッツ"), "KTS");
  assert.equal(kanaSkeleton("アイウエオー"), "");
});

Deno.test("soundsAlike() accepts transliterations", () => {
  const pairs: [string, string][] = [
    ["computer", "コンピューター"],
    ["coffee", "コーヒー"],
    ["photo", "フォト"],
    ["nation", "ネーション"],
    ["picture", "ピクチャー"],
    ["honor", "オナー"],
    ["aware", "アウェア"],
    ["sing", "シング"],
    ["ice cream", "アイスクリーム"],
    ["energy", "エネルギー"],
  ];
  for (const [en, kana] of pairs) {
    assert.ok(soundsAlike(en, kana), `${en} ${kana} ${soundAlikeScore(en, kana)}`);
  }
});

Deno.test("soundsAlike() rejects translations and clipped forms", () => {
  const pairs: [string, string][] = [
    ["trouble", "イザコザ"],
    ["razor", "カミソリ"],
    ["elk", "ヘラジカ"],
    ["scoreless game", "ノースコア"],
    ["word processor", "ワープロ"],
    ["academic harassment", "アカハラ"],
  ];
  for (const [en, kana] of pairs) {
    assert.ok(!soundsAlike(en, kana), `${en} ${kana} ${soundAlikeScore(en, kana)}`);
  }
});

Deno.test("soundAlikeScore() is 1 for identical skeletons and within [0, 1]", () => {
  assert.equal(soundAlikeScore("lemon", "レモン"), 1);
  assert.equal(soundAlikeScore("strike", "ア"), 0);
  assert.ok(SOUND_ALIKE_THRESHOLD > 0 && SOUND_ALIKE_THRESHOLD < 1);
});

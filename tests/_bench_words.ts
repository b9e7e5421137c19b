/**
 * 200 common English loanwords (lower-case a–z): the words the benchmarks time, so that
 * latencies stand for what users convert most.
 *
 * @module
 */

/** The words, most familiar first. */
export const COMMON_WORDS: readonly string[] = (
  "computer keyboard internet server network software hardware printer monitor mouse " +
  "camera video audio music piano guitar coffee orange banana tomato lemon chocolate " +
  "cheese butter bread pizza pasta salad hotel taxi bus train ticket energy battery robot " +
  "rocket engine motor sensor laser radio stereo speaker cable signal data memory cloud " +
  "cluster kernel driver module package version update download upload password account " +
  "message service apple table chair door window bed sofa lamp clock phone game ball team " +
  "player coach goal score match sport tennis golf soccer baseball basketball volleyball " +
  "skate ski boat yacht truck car bike bicycle helmet jacket shirt skirt dress coat " +
  "sweater shoe boot sandal hat cap glove belt bag wallet card money bank credit loan " +
  "market store shop mall center office company manager leader member group party event " +
  "concert festival show drama movie film comedy story book note pen pencil paper file " +
  "folder album image photo design style color pink gray brown white black blue green " +
  "yellow red silver gold diamond crystal glass plastic metal steel rubber cotton silk " +
  "nylon milk cream juice beer wine whisky soda water ice cake cookie candy sugar salt " +
  "pepper sauce soup steak burger sandwich hamburger spaghetti curry rice noodle onion " +
  "potato carrot cabbage"
).split(" ");

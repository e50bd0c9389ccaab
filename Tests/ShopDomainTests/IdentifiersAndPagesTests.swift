import ShopDomain
import ShopSupport
import Testing

@Suite("Identifiers, pages, time, catalog")
struct IdentifiersAndPagesTests {
    struct CountingGenerator: RandomNumberGenerator {
        var state: UInt64 = 0
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return state
        }
    }

    @Test func identifiersAreVersion7AndSortByTime() {
        var generator = CountingGenerator()
        let early = Identifier.make(at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000), random: &generator)
        let late = Identifier.make(at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_001), random: &generator)
        #expect(Identifier.isWellFormed(early) && Identifier.isWellFormed(late))
        #expect(early < late)
        #expect(early.hasPrefix("018bcfe5-6800-7"))
        let variant = early[early.index(early.startIndex, offsetBy: 19)]
        #expect("89ab".contains(variant))
        #expect(!Identifier.isWellFormed("018BCFE5-6800-7000-8000-000000000000"))
        #expect(!Identifier.isWellFormed("not-an-id"))
    }

    @Test func cursorsRoundTripAndRejectWhatTheyDidNotMake() throws {
        for key in ["SKU-00001", "01a1fe5f-1848-7ef3-a9f3-3ddffa067d18", "é"] {
            let cursor = PageRequest.cursor(after: key)
            #expect(!cursor.contains("=") && !cursor.contains("+") && !cursor.contains("/"))
            #expect(try PageRequest(limit: nil, cursor: cursor).afterKey == key)
        }
        for bad in ["", "!!!", "a", "U0tVLTAwMDAy=", String(repeating: "A", count: 400)] {
            #expect(throws: ShopError.self) { try PageRequest(limit: nil, cursor: bad) }
        }
    }

    @Test func pageSizesAreOneToOneHundred() throws {
        #expect(try PageRequest(limit: nil, cursor: nil).limit == 20)
        #expect(try PageRequest(limit: "100", cursor: nil).limit == 100)
        for bad in ["0", "101", "-1", "ten", "1.5", "99999999999999999999"] {
            #expect(throws: ShopError.validation([FieldIssue(field: "limit", message: "must be an integer between 1 and 100")])) {
                try PageRequest(limit: bad, cursor: nil)
            }
        }
    }

    @Test func timestampsRenderAsRFC3339InUTC() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_000_000_123).rfc3339 == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test func theDemoCatalogIsTheSameEveryTime() {
        let catalog = DemoCatalog.entries()
        #expect(catalog.count == 1_000)
        #expect(catalog == DemoCatalog.entries())
        #expect(catalog.first?.product.sku.code == "SKU-00001" && catalog.last?.product.sku.code == "SKU-01000")
        #expect(Set(catalog.map(\.product.sku)).count == 1_000)
        #expect(catalog.allSatisfy { (199...49_999).contains($0.product.price.minorUnits) && (50...5_049).contains($0.stock) })
        #expect(catalog[0].product.name == "Heavy-duty Tent 1" && catalog[0].product.price.minorUnits == 2278)
    }
}

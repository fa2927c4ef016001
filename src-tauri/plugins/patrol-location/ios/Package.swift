// swift-tools-version:5.7
// UNVERIFIED SKELETON: never built here (no Xcode on the build machine).
import PackageDescription

let package = Package(
    name: "tauri-plugin-patrol-location",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "tauri-plugin-patrol-location", type: .static, targets: ["PatrolLocation"]),
    ],
    dependencies: [
        .package(name: "Tauri", path: "../.tauri/tauri-api"),
    ],
    targets: [
        .target(name: "PatrolLocation", dependencies: [.byName(name: "Tauri")], path: "Sources"),
    ]
)

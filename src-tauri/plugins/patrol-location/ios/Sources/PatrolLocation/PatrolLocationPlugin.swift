// UNVERIFIED SKELETON: written against Tauri v2's iOS plugin API, never compiled here.
import CoreLocation
import Tauri
import UIKit

struct TrackingRequest: Decodable {
    let mode: String
    let intervalMs: Double
    let stationaryAfterMs: Double
}

class StartArgs: Decodable {
    let request: TrackingRequest
    let channel: Channel
}

struct Fix: Encodable {
    let timeMs: Int64
    let lat: Double
    let lon: Double
    let accuracyM: Double?
    let speedMps: Double?
    let headingDeg: Double?
    let altitudeM: Double?
}

/// Background location for a patrol: `UIBackgroundModes: location` (Info.ios.plist) plus
/// `allowsBackgroundLocationUpdates`, "always" authorization asked for from the visible
/// "start patrol" action. Fixes go to Rust through the channel, never through the web view.
class PatrolLocationPlugin: Plugin, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private var channel: Channel?
    private var pendingInvoke: Invoke?

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
        manager.activityType = .otherNavigation
        manager.pausesLocationUpdatesAutomatically = false
    }

    @objc public func startTracking(_ invoke: Invoke) throws {
        let args = try invoke.parseArgs(StartArgs.self)
        channel = args.channel
        // Every fix is kept; the distance filter stays off and the interval is the OS's (~1 s).
        manager.distanceFilter = kCLDistanceFilterNone
        manager.allowsBackgroundLocationUpdates = true
        manager.showsBackgroundLocationIndicator = true
        switch manager.authorizationStatus {
        case .notDetermined:
            pendingInvoke = invoke
            manager.requestAlwaysAuthorization()
        case .denied, .restricted:
            invoke.resolve(["permission": "denied"])
        case .authorizedWhenInUse:
            manager.startUpdatingLocation()
            invoke.resolve(["permission": "foreground-only"])
        default:
            manager.startUpdatingLocation()
            invoke.resolve(["permission": "granted"])
        }
    }

    @objc public func stopTracking(_ invoke: Invoke) throws {
        manager.stopUpdatingLocation()
        manager.allowsBackgroundLocationUpdates = false
        channel = nil
        invoke.resolve()
    }

    func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        guard let invoke = pendingInvoke else { return }
        pendingInvoke = nil
        switch manager.authorizationStatus {
        case .authorizedAlways, .authorizedWhenInUse:
            manager.startUpdatingLocation()
            invoke.resolve(["permission": manager.authorizationStatus == .authorizedAlways ? "granted" : "foreground-only"])
        default:
            invoke.resolve(["permission": "denied"])
        }
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        for l in locations {
            let fix = Fix(
                timeMs: Int64(l.timestamp.timeIntervalSince1970 * 1000),
                lat: l.coordinate.latitude,
                lon: l.coordinate.longitude,
                accuracyM: l.horizontalAccuracy >= 0 ? l.horizontalAccuracy : nil,
                speedMps: l.speed >= 0 ? l.speed : nil,
                headingDeg: l.course >= 0 ? l.course : nil,
                altitudeM: l.verticalAccuracy >= 0 ? l.altitude : nil
            )
            try? channel?.send(fix)
        }
    }
}

@_cdecl("init_plugin_patrol_location")
func initPlugin() -> Plugin {
    return PatrolLocationPlugin()
}

// UNVERIFIED SKELETON: written against Tauri v2's Android plugin API, never compiled here.
package cn.changde.patrol.location

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.os.Build
import androidx.core.content.ContextCompat
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.Permission
import app.tauri.annotation.PermissionCallback
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Channel
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin

@InvokeArg
class TrackingRequest {
    var mode: String = "foot"
    var intervalMs: Long = 5000
    var stationaryAfterMs: Long = 180000
    var notificationTitle: String = ""
    var notificationText: String = ""
}

@InvokeArg
class StartArgs {
    lateinit var request: TrackingRequest
    lateinit var channel: Channel
}

/**
 * Starts and stops [PatrolLocationService]. Fixes go from the service to Rust through the
 * channel the shell passed in `startTracking` — never through the web view, which Android may
 * pause or (tauri-apps/tauri#15671) leave blank after the app is swiped away.
 */
@TauriPlugin(
    permissions = [
        Permission(strings = [Manifest.permission.ACCESS_FINE_LOCATION], alias = "location"),
        Permission(strings = [Manifest.permission.POST_NOTIFICATIONS], alias = "notifications"),
    ]
)
class PatrolLocationPlugin(private val activity: Activity) : Plugin(activity) {
    private var pending: StartArgs? = null

    @Command
    fun startTracking(invoke: Invoke) {
        val args = invoke.parseArgs(StartArgs::class.java)
        if (getPermissionState("location") != app.tauri.PermissionState.GRANTED) {
            pending = args
            requestPermissionForAlias("location", invoke, "locationPermissionCallback")
            return
        }
        start(invoke, args)
    }

    @PermissionCallback
    private fun locationPermissionCallback(invoke: Invoke) {
        val args = pending ?: return invoke.reject("no tracking request pending")
        pending = null
        if (getPermissionState("location") != app.tauri.PermissionState.GRANTED) {
            val ret = JSObject()
            ret.put("permission", "denied")
            invoke.resolve(ret)
            return
        }
        start(invoke, args)
    }

    private fun start(invoke: Invoke, args: StartArgs) {
        PatrolLocationService.sink = { fix -> args.channel.send(fix) }
        val intent = Intent(activity, PatrolLocationService::class.java)
            .putExtra("intervalMs", args.request.intervalMs)
            .putExtra("stationaryAfterMs", args.request.stationaryAfterMs)
            .putExtra("title", args.request.notificationTitle)
            .putExtra("text", args.request.notificationText)
        // Called from the officer's tap on "start patrol": the app is in the foreground.
        ContextCompat.startForegroundService(activity, intent)
        val ret = JSObject()
        ret.put("permission", "granted")
        invoke.resolve(ret)
    }

    @Command
    fun stopTracking(invoke: Invoke) {
        activity.stopService(Intent(activity, PatrolLocationService::class.java))
        PatrolLocationService.sink = null
        invoke.resolve()
    }
}

// UNVERIFIED SKELETON: never compiled here (no Android SDK on the build machine).
package cn.changde.patrol.location

import android.annotation.SuppressLint
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.Service
import android.content.Intent
import android.content.pm.ServiceInfo
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.IBinder
import android.os.Looper
import app.tauri.plugin.JSObject

/**
 * A foreground service of type `location`: keeps GNSS fixes coming for a whole shift with the
 * screen off. Uses the platform LocationManager (GPS provider), not Google Play services, which
 * phones sold in mainland China usually lack. Every fix is sent on; after `stationaryAfterMs`
 * without movement it slows to one fix a minute, a heartbeat that lets gaps be told from stops.
 */
class PatrolLocationService : Service(), LocationListener {
    companion object {
        /** Where fixes go: the plugin's channel into Rust. */
        @Volatile var sink: ((JSObject) -> Unit)? = null
        private const val CHANNEL_ID = "patrol-location"
        private const val NOTIFICATION_ID = 4711
        private const val HEARTBEAT_MS = 60_000L
    }

    private lateinit var locations: LocationManager
    private var intervalMs = 5_000L
    private var stationaryAfterMs = 180_000L
    private var lastMoveMs = 0L
    private var slowed = false

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        intervalMs = intent?.getLongExtra("intervalMs", 5_000L) ?: 5_000L
        stationaryAfterMs = intent?.getLongExtra("stationaryAfterMs", 180_000L) ?: 180_000L
        val title = intent?.getStringExtra("title") ?: "On patrol"
        val text = intent?.getStringExtra("text") ?: ""
        val notification = notification(title, text)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            startForeground(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION)
        } else {
            startForeground(NOTIFICATION_ID, notification)
        }
        locations = getSystemService(LOCATION_SERVICE) as LocationManager
        request(intervalMs)
        lastMoveMs = System.currentTimeMillis()
        // Restarted by the system after it killed the process: keep tracking.
        return START_REDELIVER_INTENT
    }

    @SuppressLint("MissingPermission") // checked by the plugin before the service starts
    private fun request(everyMs: Long) {
        locations.removeUpdates(this)
        locations.requestLocationUpdates(LocationManager.GPS_PROVIDER, everyMs, 0f, this, Looper.getMainLooper())
    }

    override fun onLocationChanged(location: Location) {
        val now = System.currentTimeMillis()
        if (location.hasSpeed() && location.speed > 0.5f) lastMoveMs = now
        val still = now - lastMoveMs > stationaryAfterMs
        if (still != slowed) {
            slowed = still
            request(if (still) HEARTBEAT_MS else intervalMs)
        }
        val fix = JSObject()
        fix.put("timeMs", location.time)
        fix.put("lat", location.latitude)
        fix.put("lon", location.longitude)
        if (location.hasAccuracy()) fix.put("accuracyM", location.accuracy.toDouble())
        if (location.hasSpeed()) fix.put("speedMps", location.speed.toDouble())
        if (location.hasBearing()) fix.put("headingDeg", location.bearing.toDouble())
        if (location.hasAltitude()) fix.put("altitudeM", location.altitude)
        // For the GPS provider, Location.getTime() is the satellite time of the fix.
        if (location.provider == LocationManager.GPS_PROVIDER) fix.put("gnssMs", location.time)
        sink?.invoke(fix)
    }

    override fun onDestroy() {
        locations.removeUpdates(this)
        super.onDestroy()
    }

    private fun notification(title: String, text: String): Notification {
        val manager = getSystemService(NOTIFICATION_SERVICE) as NotificationManager
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL_ID, "Patrol", NotificationManager.IMPORTANCE_LOW)
            )
        }
        return Notification.Builder(this, CHANNEL_ID)
            .setContentTitle(title)
            .setContentText(text)
            .setSmallIcon(android.R.drawable.ic_menu_mylocation)
            .setOngoing(true)
            .build()
    }
}

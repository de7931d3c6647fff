/*
 * Random bytes for keys and nonces from the ESP32 hardware RNG.
 *
 * esp_random() is a true RNG only while an entropy source runs: the radio (Wi-Fi or BLE), or
 * the internal SAR ADC noise source that bootloader_random_enable() switches on. A UART-only
 * build has no radio, so the ADC source is enabled around each draw. It must not be enabled
 * while the radio runs (ESP-IDF: it shares the ADC with the RF calibration), so builds with
 * BLE define MODDEF_BURROW_RADIO=1 (manifests/) and draw with the radio as the source.
 * Moddable's own "rng" module is RC4 seeded from c_rand(): not for keys.
 */
#include "xsmc.h"
#include "xsHost.h"
#include "mc.defines.h"
#include "esp_random.h"
#include "bootloader_random.h"

#ifndef MODDEF_BURROW_RADIO
	#define MODDEF_BURROW_RADIO 0
#endif

#define MAX_RANDOM_REQUEST 4096

void xs_burrow_random_bytes(xsMachine *the)
{
	int length = xsmcToInteger(xsArg(0));
	if ((length < 1) || (length > MAX_RANDOM_REQUEST))
		xsRangeError("hardware-random: 1 to 4096 bytes");
	xsmcSetArrayBuffer(xsResult, NULL, length);
#if !MODDEF_BURROW_RADIO
	bootloader_random_enable();
#endif
	esp_fill_random(xsmcToArrayBuffer(xsResult), length);
#if !MODDEF_BURROW_RADIO
	bootloader_random_disable();
#endif
}

package io.secretsstore.controller.config;

import io.secretsstore.model.values.Durations;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.core.convert.converter.Converter;

/**
 * Every duration setting of the controller is read in the one grammar of common-model {@link
 * Durations} ({@code 90s}, {@code 2m}, {@code 1h30m}, plain seconds {@code 120}), the grammar of an
 * import's {@code refreshInterval} and of the CRD's pattern. Spring Boot's own would read {@code
 * 120} as 120 milliseconds and refuse {@code 1h30m}.
 */
@ConfigurationPropertiesBinding
public final class DurationSetting implements Converter<String, Duration> {

  @Override
  public Duration convert(String source) {
    return Durations.parse(source.strip());
  }
}

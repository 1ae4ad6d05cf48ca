package io.secretsstore.controller;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.secretsstore.model.rbac.ApiRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Every request a fabric8 client sends (watches included), as RBAC request attributes. */
final class ApiCallRecorder implements Interceptor {

  private final List<ApiRequest> requests = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    requests.add(ApiRequest.of(request.method(), request.uri()));
  }

  List<ApiRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }
}
